import Foundation
import Testing
@testable import IngestCore

/// The journal's files on their own: runs written through `JournalRunWriter`, read back,
/// torn, killed, rebuilt and pruned, each test in a directory of its own.
@Suite struct JournalStoreTests {
    final class Directory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-journal-unit-\(UUID())").path
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func store(_ retention: JournalRetention = JournalRetention(maximumBytes: nil, maximumAge: nil)) throws -> JournalStore {
            try JournalStore(directory: path, retention: retention)
        }
    }

    static let info = JournalRunInfo(profile: "dev", profileFile: "/p/dev.toml", environment: "dev", topic: "ing-staging-events",
                                     transport: "native", mode: "native", source: "data", valueType: "JSON", reason: "a test")

    static func record(_ n: Int) -> EventRecord {
        EventRecord(key: n % 2 == 0 ? Payload(type: .string, data: Array("k\(n)".utf8)) : nil,
                    value: Payload(type: .json, data: Array("{\"n\":\(n)}".utf8)),
                    headers: n % 3 == 0 ? [RecordHeader(name: "h", value: [1, 2, 3])] : [])
    }

    /// Writes `count` records (delivered, every fifth failed, every seventh unknown) in batches of `batch`.
    @discardableResult
    static func write(_ store: JournalStore, count: Int, batch: Int = 4, finish: Bool = true, keepValues: Bool = false) throws -> JournalRunWriter {
        // Runs begun in distinct milliseconds, so that their order is their start's.
        Thread.sleep(forTimeInterval: 0.002)
        let writer = try store.beginRun(info, keepValues: keepValues)
        var reports: [DeliveryReport] = []
        for seq in 1...count {
            writer.willSend(seq: seq, record: record(seq))
            let outcome: Outcome = seq % 7 == 0 ? .unknown(message: "no answer") : seq % 5 == 0 ? .failed(code: 40403, message: "no \"topic\"\n")
                : .delivered(partition: seq % 3, offset: Int64(seq), timestamp: nil)
            reports.append(DeliveryReport(seq: seq, outcome: outcome))
            if reports.count == batch || seq == count {
                writer.record(reports.reversed())
                reports.removeAll()
            }
        }
        if finish { writer.finish(delivered: count - count / 5 - count / 7 + count / 35, failed: count / 5 - count / 35, unknown: count / 7, stopReason: nil) }
        return writer
    }

    @Test func aRunReadsBackAsWritten() throws {
        let directory = Directory()
        let store = try directory.store()
        let writer = try Self.write(store, count: 20)
        let runs = try store.runs()
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.id == writer.runID && run.info == Self.info && run.state == .finished && !run.keepsValues)
        #expect((run.delivered, run.failed, run.unknown) == (14, 4, 2))
        #expect(run.bytes == JournalFiles.size(writer.path)?.bytes, "the size the footer gives")
        var entries: [JournalRecordEntry] = []
        #expect(try store.entries(run: run.id) { entries.append($0) } == 0)
        #expect(entries.map(\.seq).sorted() == Array(1...20))
        for entry in entries {
            #expect(entry.digest == RecordDigest(Self.record(entry.seq)).text)
            #expect(entry.size == Self.record(entry.seq).approximateSize)
            #expect(entry.value == nil)
            #expect(entry.milliseconds >= run.startMilliseconds)
        }
        #expect(entries.first { $0.seq == 5 }?.outcome == .failed(code: 40403, message: "no \"topic\"\n"))
        #expect(entries.first { $0.seq == 7 }?.outcome == .unknown(message: "no answer"))
        #expect(entries.first { $0.seq == 4 }?.outcome == .delivered(partition: 1, offset: 4, timestamp: nil))
        // Small entries: the run's context is in the header only.
        let bytes = try #require(JournalFiles.size(writer.path)?.bytes)
        #expect(bytes < 400 + 20 * 100)
        // A line is started afresh only after a torn one: none here, so no empty lines.
        for path in [writer.path, store.indexPath] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains("\n\n") && text.hasSuffix("}\n"), "\(path)")
        }
    }

    @Test func keptValuesReadBackExactly() throws {
        let directory = Directory()
        let store = try directory.store()
        let writer = try store.beginRun(Self.info, keepValues: true)
        let record = EventRecord(value: Payload(type: .json, data: Array("{\n  \"a\": \"x\\ny\"\n}".utf8)))
        writer.willSend(seq: 1, record: record)
        writer.record([DeliveryReport(seq: 1, outcome: .failed(code: 1, message: "m"))])
        writer.finish(delivered: 0, failed: 1, unknown: 0, stopReason: nil)
        var values: [[UInt8]] = []
        try store.entries(run: writer.runID) { values.append($0.value ?? []) }
        #expect(values == [RecordEncoding.produceRequest(record)])
        #expect(try store.runs().first?.keepsValues == true)
    }

    @Test func aTornLineIsSkippedAndTheNextWriteStartsAFreshOne() throws {
        let directory = Directory()
        let store = try directory.store()
        let first = try Self.write(store, count: 3)
        // Cut both files mid-line, as a killed writer or a full disk leaves them.
        for path in [first.path, store.indexPath] { try Self.cut(path, bytes: 30) }
        let second = try Self.write(store, count: 3)
        // The new run's header went on a line of its own in the index, not after the fragment.
        #expect(try store.readIndex().position[second.runID] != nil)
        #expect(try JournalFiles.readLines(store.indexPath) { _ in } == 1)
        var seqs: [Int] = []
        #expect(try store.entries(run: first.runID) { seqs.append($0.seq) } == 1)
        #expect(seqs.sorted() == [1, 2, 3], "the footer was cut, not an entry")
        let runs = try store.runs()
        #expect(runs.map(\.id) == [first.runID, second.runID])
        #expect(runs.last?.state == .finished && runs.last.map { $0.delivered + $0.failed + $0.unknown } == 3)
        // The first run lost its footer: its entries were counted, as for a killed run.
        #expect(runs.first?.state == .killed && runs.first?.delivered == 3)
        // Its recovered footer, too, starts a fresh line after the torn one; no line is left empty.
        #expect(JournalFiles.lastLine(first.path).flatMap(JournalFooter.init) != nil)
        for path in [first.path, second.path, store.indexPath] {
            #expect(try !String(contentsOfFile: path, encoding: .utf8).contains("\n\n"), "\(path)")
        }
    }

    @Test func aRunWithoutItsEndIsRunningThenKilledAndCountedOnce() throws {
        let directory = Directory()
        let store = try directory.store()
        var writer: JournalRunWriter? = try Self.write(store, count: 12, finish: false)
        let id = try #require(writer?.runID)
        #expect(try store.runs().first?.state == .running)
        #expect(try store.runs().first?.delivered == 9)
        writer = nil // the process's descriptor closes: the kernel drops its lock, as when it is killed
        let killed = try #require(try store.runs().first)
        #expect(killed.state == .killed && (killed.delivered, killed.failed, killed.unknown) == (9, 2, 1))
        #expect(killed.bytes == JournalFiles.size(JournalStore.runPath(store)(id))?.bytes)
        let index = try String(contentsOfFile: store.indexPath, encoding: .utf8)
        #expect(index.components(separatedBy: "\"recovered\":true").count == 2, "counted once, noted in the index")
        #expect(try store.runs().first == killed)
        #expect(index.contains(id))
    }

    @Test func aRealFooterWinsOverOneAReaderWrote() throws {
        let directory = Directory()
        let store = try directory.store()
        let writer = try Self.write(store, count: 5)
        // A reader that saw no footer yet and then no lock (the run ended in between) appends its own.
        let late = JournalFooter(endMilliseconds: 0, delivered: 1, failed: 0, unknown: 0, entries: 1, stopReason: "killed?", recovered: true, bytesBefore: nil)
        try JournalFiles.appendShared(JournalFormat.footer(id: writer.runID, late), to: store.indexPath, lock: store.lockPath)
        let run = try #require(try store.runs().first)
        #expect(run.state == .finished && run.delivered == 4)
    }

    @Test func theIndexIsRebuiltFromTheRunFiles() throws {
        let directory = Directory()
        let store = try directory.store()
        try Self.write(store, count: 10)
        // Dropped at once: its descriptor closes without a footer, as when a process is killed.
        do { _ = try Self.write(store, count: 4, finish: false) }
        try Self.write(store, count: 6)
        let before = try store.runs()
        try FileManager.default.removeItem(atPath: store.indexPath)
        let after = try store.runs()
        #expect(after.map(\.id) == before.map(\.id))
        #expect(after.map(\.delivered) == before.map(\.delivered) && after.map(\.state) == before.map(\.state))
        #expect(after.map(\.state) == [.finished, .killed, .finished])
        #expect(FileManager.default.fileExists(atPath: store.indexPath))
        #expect(try store.runs() == after)
    }

    @Test func retentionRemovesTheOldestAndNeverARunBeingWritten() throws {
        let directory = Directory()
        let store = try directory.store()
        let old = try Self.write(store, count: 50)
        let middle = try Self.write(store, count: 50)
        let live = try Self.write(store, count: 50, finish: false)
        let newest = try Self.write(store, count: 50)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-40 * 86_400)], ofItemAtPath: old.path)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-40 * 86_400)], ofItemAtPath: live.path)

        let byAge = try store.prune(JournalRetention(maximumBytes: nil, maximumAge: 30 * 86_400), dryRun: true)
        #expect(byAge.removedRuns == [old.runID] && byAge.keptRuns == 3)
        #expect(try store.runs().count == 4, "a dry run removes nothing")

        // Room for the index, the live run and the newest: the two oldest go.
        let room = try [store.indexPath, live.path, newest.path].map { try #require(JournalFiles.size($0)?.bytes) }.reduce(0, +)
        let bySize = try store.prune(JournalRetention(maximumBytes: Int64(room) + 100, maximumAge: nil))
        #expect(Set(bySize.removedRuns) == [old.runID, middle.runID], "the live run stays, whatever its size")
        #expect(try store.runs().map(\.id) == [live.runID, newest.runID])
        let index = try String(contentsOfFile: store.indexPath, encoding: .utf8)
        #expect(!index.contains(old.runID) && !index.contains(middle.runID) && index.contains(newest.runID))
        live.finish(delivered: 0, failed: 0, unknown: 0, stopReason: nil)
        // However small the limit, the newest run stays.
        let tiny = try store.prune(JournalRetention(maximumBytes: 0, maximumAge: nil))
        #expect(tiny.removedRuns == [live.runID])
        #expect(try store.runs().map(\.id) == [newest.runID])
    }

    @Test func automaticRetentionRunsAtMostHourly() throws {
        let directory = Directory()
        let store = try directory.store(JournalRetention(maximumBytes: nil, maximumAge: 30 * 86_400))
        let old = try Self.write(store, count: 5)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-40 * 86_400)], ofItemAtPath: old.path)
        // The first run's start checked retention moments ago: not due yet.
        try Self.write(store, count: 5)
        #expect(FileManager.default.fileExists(atPath: old.path))
        store.applyRetentionIfDue(now: Date().addingTimeInterval(2 * 3600))
        #expect(!FileManager.default.fileExists(atPath: old.path))
        #expect(try store.runs().count == 1)
    }

    @Test func retentionSettingsParseOrSayWhatTheyExpect() throws {
        #expect(try JournalRetention.parseSize("500MB", what: "x") == 500_000_000)
        #expect(try JournalRetention.parseSize("2GiB", what: "x") == 2 << 30)
        #expect(try JournalRetention.parseSize("1g", what: "x") == 1 << 30)
        #expect(try JournalRetention.parseSize("4096", what: "x") == 4096)
        #expect(try JournalRetention.parseSize("off", what: "x") == nil)
        #expect(try JournalRetention.parseAge("30d", what: "x") == 30 * 86_400)
        #expect(try JournalRetention.parseAge("12h", what: "x") == 12 * 3600)
        #expect(try JournalRetention.parseAge("off", what: "x") == nil)
        #expect(throws: InputError.self) { try JournalRetention.parseSize("lots", what: "x") }
        #expect(throws: InputError.self) { try JournalRetention.parseAge("30", what: "x") }
        let configured = try JournalRetention.configured(environment: ["INGEST_JOURNAL_MAX_SIZE": "10MB", "INGEST_JOURNAL_MAX_AGE": "off"])
        #expect(configured == JournalRetention(maximumBytes: 10_000_000, maximumAge: nil))
        #expect(try JournalRetention.configured(environment: [:]) == .standard)
        #expect(throws: InputError.self) { try JournalStore(directory: "/tmp/x", environment: ["INGEST_JOURNAL_MAX_AGE": "soon"]) }
    }

    @Test func secretsInServerMessagesAreMasked() throws {
        let secret = "journal-canary-\(UUID().uuidString)"
        SecretScrubber.register(secret)
        let directory = Directory()
        let store = try directory.store()
        let writer = try store.beginRun(Self.info, keepValues: false)
        writer.willSend(seq: 1, record: Self.record(1))
        writer.willSend(seq: 2, record: Self.record(2))
        writer.record([DeliveryReport(seq: 1, outcome: .failed(code: 401, message: "bad key \(secret)")),
                       DeliveryReport(seq: 2, outcome: .delivered(partition: 0, offset: 1, timestamp: nil))])
        writer.finish(delivered: 1, failed: 1, unknown: 0, stopReason: "gateway said \(secret)")
        for path in [writer.path, store.indexPath] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains(secret) && text.contains("bad key ••••") == (path == writer.path))
        }
    }

    @Test func runIDsThatAreNotNamesAreRefused() throws {
        let directory = Directory()
        let store = try directory.store()
        #expect(throws: InputError.self) { try store.entries(run: "../../etc/passwd") { _ in } }
        #expect(throws: InputError.self) { try store.run("nothere") }
    }

    static func cut(_ path: String, bytes: UInt64) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - bytes)
        try handle.close()
    }
}
