import Foundation
import IngestCore
import IngestKafka

// What each stage of `ingest send --via native --file` costs per record, release build, each
// stage alone over the same records: `ingest-stage-bench FILE`. The producer's own cost (batch
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

// Read: split, validate, shape (EventFileReader).
var records: [EventRecord] = []
let reader = try EventFileReader(path: path)
try stage("read (split, validate JSON, shape)", count: 1) {
    while let record = try reader.next() { records.append(record) }
}
let count = records.count
// Re-run for the per-record figure (the first pass also grew the array).
let again = try EventFileReader(path: path)
try stage("read (split, validate JSON, shape)", count: count) { while try again.next() != nil {} }

// Template: one templated record per seq, as --data with --count.
let template = try TemplateSource(EventTemplate(value: #"{"playerId":"{{seq}}","id":"{{uuid}}","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#), count: count)
try stage("template ({{seq}}, {{uuid}})", count: count) { while try template.next() != nil {} }

// Record checks before a record is sent.
try stage("size check", count: count) { for (index, record) in records.enumerated() { try RecordLimits.check(record, seq: index + 1) } }

// Native: the record as the producer takes it.
var produced = 0
stage("encode for the producer (ProducerRecord)", count: count) {
    for record in records {
        let converted = ProducerRecord(topic: "ing-staging-events", partition: record.partition.map { Int32($0) }, key: record.key?.kafkaBytes,
                                       value: record.value?.kafkaBytes, headers: record.headers.map { (name: $0.name, value: $0.value) })
        produced &+= converted.value?.count ?? 0
    }
}
// REST: the produce request body.
var restBytes = 0
stage("encode for REST (produce request JSON)", count: count) {
    for record in records { restBytes &+= RecordEncoding.produceRequest(record).count }
}

// Outcomes, in batches of 1000 as answers bring them.
let reports = (1...count).map { DeliveryReport(seq: $0, outcome: .delivered(partition: $0 % 3, offset: Int64($0 / 3), timestamp: "2026-12-01T06:00:00.123Z"), latencyMilliseconds: 4.2) }
let batches = stride(from: 0, to: count, by: 1000).map { Array(reports[$0..<min($0 + 1000, count)]) }
let devNull = open("/dev/null", O_WRONLY)
let lines = JSONLinesSink(fileDescriptor: devNull)
stage("report line (JSON line to stdout)", count: count) { for batch in batches { lines.didReport(batch) } }
let ledgerRun = SendRun(sinks: [])
stage("ledger (count, dedupe, latency)", count: count) { for batch in batches { ledgerRun.report(batch) } }

// Journal: willSend per record, then the batch's outcomes in one write.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-stage-bench-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let store = try JournalStore(directory: directory)
@MainActor func journalRun() throws -> JournalSink {
    try JournalSink(plan: SendPlan(topic: "ing-staging-events", source: .file(path: path, format: .auto, valueType: .json), transport: .native),
                    profile: try ProfileStore(directories: []).load("local"), store: store)
}
/// The records of outcome batch `index` (1000 each) shown to `sink`, as a send does before their outcomes.
@MainActor func willSend(batch index: Int, count: Int, to sink: some SendSink) {
    for offset in 0..<count { sink.willSend(seq: index * 1000 + offset + 1, record: records[index * 1000 + offset]) }
}
let journal = try journalRun()
stage("journal line (digest + entry)", count: count) {
    for (index, batch) in batches.enumerated() {
        willSend(batch: index, count: batch.count, to: journal)
        journal.didReport(batch)
    }
}
// What a native send runs now: delivered ranges (one per answered run) instead of reports.
let ranges = stride(from: 0, to: count, by: 1000).map { start in
    DeliveredRange(firstSeq: start + 1, partition: 0, firstOffset: Int64(start), timestampsMs: Array(repeating: 1_796_000_000_123, count: min(1000, count - start)),
                   latenciesMs: Array(repeating: 4.2, count: min(1000, count - start)))
}
stage("report line, from ranges", count: count) { for range in ranges { lines.didDeliver(range) } }
let rangeRun = SendRun(sinks: [])
stage("ledger, from ranges", count: count) { for range in ranges { rangeRun.report(range) } }
let rangeJournal = try journalRun()
stage("journal line (digest + entry), from ranges", count: count) {
    for (index, range) in ranges.enumerated() {
        willSend(batch: index, count: range.count, to: rangeJournal)
        rangeJournal.didDeliver(range)
    }
}
var digests = 0
stage("  of which the digest", count: count) { for record in records { digests &+= Int(truncatingIfNeeded: RecordDigest(record).low) } }
let load = LoadReportSink()
stage("load report (sizes, percentiles)", count: count) {
    for (index, batch) in batches.enumerated() {
        willSend(batch: index, count: batch.count, to: load)
        load.didReport(batch)
    }
}
print("\(count) records (\(produced + restBytes > 0 ? "checked" : "")); the producer's own cost: bench/native-vs-kcat.sh")
