import Foundation
import IngestCore

// The journal writer's per-record cost, release build: `ingest-journal-bench writer COUNT BATCH`
// (willSend for every record, then record() per BATCH reports, as the Sender calls them), and
// `fill DIR RUNS RECORDS` to build a journal of RUNS runs through the same writer.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: ingest-journal-bench writer COUNT BATCH | fill DIR RUNS RECORDS")
    exit(2)
}

func records(_ count: Int) -> [EventRecord] {
    (1...count).map { seq in
        EventRecord(value: Payload(type: .json, data: Array("{\"playerId\":\"p\(seq % 5000)\",\"seq\":\(seq),\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}".utf8)))
    }
}

func reports(_ count: Int) -> [DeliveryReport] {
    (1...count).map { DeliveryReport(seq: $0, outcome: .delivered(partition: $0 % 6, offset: Int64($0 / 6), timestamp: nil)) }
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// This thread's CPU time (user + system): on a shared machine, wall time also counts waiting for a core.
func cpu() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func write(store: JournalStore, records: [EventRecord], reports: [DeliveryReport], batch: Int, keepValues: Bool) throws -> JournalRunWriter {
    let writer = try store.beginRun(JournalRunInfo(profile: "bench", profileFile: nil, environment: "sandbox", topic: "ing-staging-events",
                                                   transport: "native", mode: "native", source: "data"), keepValues: keepValues)
    var start = 0
    while start < records.count {
        let end = min(start + batch, records.count)
        for index in start..<end { writer.willSend(seq: index + 1, record: records[index]) }
        writer.record(reports[start..<end])
        start = end
    }
    writer.finish(delivered: records.count, failed: 0, unknown: 0, stopReason: nil)
    return writer
}

switch arguments[1] {
case "writer":
    let count = Int(arguments.count > 2 ? arguments[2] : "1000000") ?? 1_000_000
    let batch = Int(arguments.count > 3 ? arguments[3] : "1000") ?? 1000
    let directory = NSTemporaryDirectory() + "ingest-journal-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try JournalStore(directory: directory, retention: JournalRetention(maximumBytes: nil, maximumAge: nil))
    let input = records(count)
    let outcomes = reports(count)
    // Warm up (page cache, allocator), then measure each part on its own.
    _ = try write(store: store, records: Array(input.prefix(10_000)), reports: Array(outcomes.prefix(10_000)), batch: batch, keepValues: false)
    var (t, c) = (now(), cpu())
    var sink: UInt64 = 0
    for record in input { sink ^= RecordDigest(record).low }
    let digest = Double(cpu() - c) / Double(count)
    (t, c) = (now(), cpu())
    let writer = try write(store: store, records: input, reports: outcomes, batch: batch, keepValues: false)
    let (wall, total) = (Double(now() - t) / Double(count), Double(cpu() - c) / Double(count))
    let size = (try? FileManager.default.attributesOfItem(atPath: writer.path)[.size] as? Int) ?? 0
    print(String(format: "journal writer, %d records, batches of %d: %.0f ns/record of CPU (wall %.0f), digest alone %.0f ns of CPU; %.1f bytes/record on disk%@",
                 count, batch, total, wall, digest, Double(size) / Double(count), sink == 42 ? " " : ""))
case "fill":
    guard arguments.count == 5, let runs = Int(arguments[3]), let count = Int(arguments[4]) else {
        print("usage: ingest-journal-bench fill DIR RUNS RECORDS")
        exit(2)
    }
    let store = try JournalStore(directory: arguments[2], retention: JournalRetention(maximumBytes: nil, maximumAge: nil))
    let input = records(count)
    let outcomes = reports(count)
    for _ in 0..<runs { _ = try write(store: store, records: input, reports: outcomes, batch: 1000, keepValues: false) }
default:
    print("usage: ingest-journal-bench writer COUNT BATCH | fill DIR RUNS RECORDS")
    exit(2)
}
