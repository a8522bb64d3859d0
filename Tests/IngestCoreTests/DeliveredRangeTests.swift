import Foundation
import Synchronization
import Testing
@testable import IngestCore

/// A native send's delivered records travel as ranges; every sink must write them exactly as
/// it writes the same outcomes as reports, and the ledger must count them once.
@Suite struct DeliveredRangeTests {
    let base: Int64 = 1_796_000_000_000

    func range(firstSeq: Int = 7, count: Int = 5, firstOffset: Int64 = 40) -> DeliveredRange {
        // Two records share a millisecond, then the clock moves; latencies with and without decimals.
        DeliveredRange(firstSeq: firstSeq, partition: 2, firstOffset: firstOffset,
                       timestampsMs: (0..<count).map { base + Int64($0 / 2) },
                       latenciesMs: (0..<count).map { [1.5, 2, 0.001, 12.345, 3][$0 % 5] })
    }

    @Test(arguments: [Int64(40), -1])
    func jsonLinesAreTheReportsLines(firstOffset: Int64) {
        let range = range(firstOffset: firstOffset)
        var fromRange: [UInt8] = []
        range.appendJSONLines(to: &fromRange, clock: TimestampClock())
        var fromReports: [UInt8] = []
        for report in range.reports() { report.appendJSONLine(to: &fromReports) }
        #expect(String(decoding: fromRange, as: UTF8.self) == String(decoding: fromReports, as: UTF8.self))
        #expect(String(decoding: fromRange, as: UTF8.self).split(separator: "\n").count == 5)
    }

    /// Each entry as `JournalFormat` has it (checked against the text, not against the other
    /// encoder path: the report path now delegates its delivered entries to this one).
    @Test(arguments: [Int64(40), -1])
    func journalEntriesAreTheFormatsEntries(firstOffset: Int64) {
        let range = range(firstOffset: firstOffset)
        for position in 0..<range.count {
            let pending = PendingRecord(digest: RecordDigest(high: UInt64(position), low: 99), size: 100 + position, value: nil)
            var entry: [UInt8] = []
            let freeText = JournalEntryEncoder.appendDelivered(seq: range.firstSeq + position, partition: range.partition,
                                                               offset: range.offset(at: position), pending: pending, elapsed: 12, to: &entry)
            let offset = firstOffset < 0 ? -1 : firstOffset + Int64(position)
            #expect(String(decoding: entry, as: UTF8.self)
                    == "{\"s\":\(7 + position),\"t\":12,\"o\":\"d\",\"p\":2,\"off\":\(offset),\"n\":\(100 + position),\"h\":\"\(pending.digest.text)\"}\n")
            #expect(!freeText)
        }
    }

    @Test func aRangeIsCountedOnceAndADuplicateFallsBackToReports() {
        final class Seen: SendSink {
            let ranges = Mutex<[DeliveredRange]>([])
            let reports = Mutex<[DeliveryReport]>([])
            func didReport(_ batch: [DeliveryReport]) { reports.withLock { $0 += batch } }
            func didDeliver(_ range: DeliveredRange) { ranges.withLock { $0.append(range) } }
        }
        let sink = Seen()
        let run = SendRun(sinks: [sink])
        run.report(range(firstSeq: 1, count: 70))
        #expect(run.snapshot.delivered == 70 && run.snapshot.latency.count == 70)
        // A server fault: seqs 69...72, two of them answered already.
        run.report(range(firstSeq: 69, count: 4))
        #expect(run.snapshot.delivered == 72 && run.snapshot.duplicates == 2)
        #expect(sink.ranges.withLock { $0.map(\.seqs) } == [1..<71])
        #expect(sink.reports.withLock { $0.map(\.seq) } == [71, 72])
    }

    @Test func anOrderedRunTakesARangeAsReports() {
        final class Seen: SendSink {
            let reports = Mutex<[Int]>([])
            func didReport(_ batch: [DeliveryReport]) { reports.withLock { $0 += batch.map(\.seq) } }
        }
        let sink = Seen()
        let run = SendRun(sinks: [sink], ordered: true)
        run.report(range(firstSeq: 3, count: 2))
        run.report(range(firstSeq: 1, count: 2))
        #expect(sink.reports.withLock { $0 } == [1, 2, 3, 4])
    }
}
