import Foundation
import IngestCore
import IngestKafka

// What each stage of `ingest send --via native --file` costs per record, release build, each
// stage alone over the same records: `ingest-stage-bench FILE`. The first stages run on the
// reading thread, the producer's on the sending task, the outcomes' on the report pump. The producer's own cost (batch
// encoding, CRC, the network) is `bench/native-vs-kcat.sh`'s; the end-to-end figure is
// `bench/native-send.sh`'s. CPU time of this thread, so a loaded machine does not inflate it.
guard CommandLine.arguments.count >= 2 else {
    print("usage: ingest-stage-bench FILE (JSON Lines, e.g. bench/out/records-1000000-100.txt)")
    exit(2)
}
let path = CommandLine.arguments[1]

func cpu() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func stage(_ name: String, count: Int, _ body: () throws -> Void) rethrows {
    let start = cpu()
    try body()
    let ns = Double(cpu() - start) / Double(count)
    print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.0f ns/record", ns))
}

// Read: split, validate, shape (EventFileReader), as REST sends read (records).
var records: [EventRecord] = []
let reader = try EventFileReader(path: path)
while let record = try reader.next() { records.append(record) }
let count = records.count
// Read again for the per-record figure (the first pass also grew the array).
let again = try EventFileReader(path: path)
try stage("read as records (REST)", count: count) { while try again.next() != nil {} }

// A native send's reading thread: plain values borrowed from the read buffer, size-checked,
// laid out in blocks of 4096 for the producer (no record built).
let borrowed = try EventFileReader(path: path)
var block = RecordBlock(topic: "ing-staging-events", capacity: 4096)
var blockBytes = 0
try stage("read, native (values borrowed, size check)", count: count) {
    var seq = 0
    while try borrowed.next({ item in
        seq += 1
        if case .value(let bytes, _) = item { try RecordLimits.check(size: bytes.count, seq: seq) }
    }) {}
}
let values = records.map { $0.value?.data ?? [] }
stage("lay out for Kafka (RecordBlock)", count: count) {
    for value in values {
        value.withUnsafeBytes { block.append(value: $0) }
        if block.count == 4096 {
            blockBytes &+= block.count
            block.removeAll()
        }
    }
}

// Template: one templated record per seq, as --data with --count.
let template = try TemplateSource(EventTemplate(value: #"{"playerId":"{{seq}}","id":"{{uuid}}","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#), count: count)
try stage("template ({{seq}}, {{uuid}})", count: count) { while try template.next() != nil {} }

var produced = blockBytes
// REST: the produce request body.
var restBytes = 0
stage("encode for REST (produce request JSON)", count: count) {
    for record in records { restBytes &+= RecordEncoding.produceRequest(record).count }
}

// Outcomes as REST answers bring them: reports, in batches of 1000.
let reports = (1...count).map { DeliveryReport(seq: $0, outcome: .delivered(partition: $0 % 3, offset: Int64($0 / 3), timestamp: "2026-12-01T06:00:00.123Z"), latencyMilliseconds: 4.2) }
let batches = stride(from: 0, to: count, by: 1000).map { Array(reports[$0..<min($0 + 1000, count)]) }
let devNull = open("/dev/null", O_WRONLY)
let lines = JSONLinesSink(fileDescriptor: devNull)
stage("report line, from reports (REST)", count: count) { for batch in batches { lines.didReport(batch) } }

// A native send's outcomes: delivered ranges (one per answered run of records).
let ranges = stride(from: 0, to: count, by: 1000).map { start in
    DeliveredRange(firstSeq: start + 1, partition: 0, firstOffset: Int64(start), timestampsMs: Array(repeating: 1_796_000_000_123, count: min(1000, count - start)),
                   latenciesMs: Array(repeating: 4.2, count: min(1000, count - start)))
}
stage("report line, from ranges (native)", count: count) { for range in ranges { lines.didDeliver(range) } }
let rangeRun = SendRun(sinks: [])
stage("ledger, from ranges", count: count) { for range in ranges { rangeRun.report(range) } }

// Journal, as a native file send writes it: each value's digest and size staged on the
// reading thread, committed once per 4096, then each answered range's entries in one write.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-stage-bench-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let store = try JournalStore(directory: directory)
let journal = try JournalSink(plan: SendPlan(topic: "ing-staging-events", source: .file(path: path, format: .auto, valueType: .json), transport: .native),
                              profile: try ProfileStore(directories: []).load("local"), store: store)
stage("journal, read-ahead (digest, staged)", count: count) {
    for (index, value) in values.enumerated() {
        value.withUnsafeBytes { journal.willReadAhead(seq: index + 1, value: $0, type: .json) }
        if (index + 1) % 4096 == 0 { journal.didReadAheadChunk() }
    }
    journal.didReadAheadChunk()
}
var digests = 0
stage("  of which the digest", count: count) {
    for value in values { digests &+= value.withUnsafeBytes { Int(truncatingIfNeeded: RecordDigest(value: $0).low) } }
}
stage("journal line, from ranges (one write each)", count: count) { for range in ranges { journal.didDeliver(range) } }
let load = LoadReportSink()
stage("load report (sizes, percentiles)", count: count) {
    for (index, value) in values.enumerated() { value.withUnsafeBytes { load.willReadAhead(seq: index + 1, value: $0, type: .json) } }
    for range in ranges { load.didDeliver(range) }
}
print("\(count) records (\(produced + restBytes + digests != 0 ? "checked" : "")); the producer's own cost: bench/native-vs-kcat.sh")
