import Foundation
import Synchronization
import Testing
@testable import IngestCore
@testable import IngestKafka

/// The reading thread of native sends: same records, same order, the error where it happened.
@Suite struct PrefetchTests {
    /// Gives `count` records, then fails (if `failing`), from whatever thread calls it.
    final class Numbered: RecordSource, @unchecked Sendable {
        let count: Int
        let failing: Bool
        private let counter = Mutex(0)
        /// Records given so far (read from the test's thread while the reader runs).
        var given: Int { counter.withLock { $0 } }
        init(count: Int, failing: Bool) { self.count = count; self.failing = failing }
        func next() throws -> EventRecord? {
            let n = counter.withLock { given -> Int? in
                guard given < count else { return nil }
                given += 1
                return given
            }
            guard let n else {
                if failing { throw InputError("line \(count + 1) is not JSON") }
                return nil
            }
            return EventRecord(value: Payload(type: .string, data: Array("\(n)".utf8)))
        }
    }

    /// As a send reads: numbered and size-checked, shown to no sink.
    static func checked(_ source: RecordSource) -> ReadAheadSource {
        ReadAheadSource(source, maximumBytes: RecordLimits.maximumRecordBytes, run: SendRun(sinks: []))
    }

    @Test(arguments: [0, 1, 255, 256, 257, 5_000])
    func recordsComeOutInOrderThenTheEnd(count: Int) throws {
        let source = PrefetchingSource(Self.checked(Numbered(count: count, failing: false)), chunkSize: 256, depth: 2)
        var seen: [String] = []
        while let record = try source.next() { seen.append(String(decoding: record.value?.data ?? [], as: UTF8.self)) }
        #expect(seen == (0..<count).map { String($0 + 1) })
        #expect(try source.next() == nil)
    }

    @Test(arguments: [0, 3, 256, 1_000])
    func anErrorComesAfterTheRecordsBeforeIt(count: Int) {
        let source = PrefetchingSource(Self.checked(Numbered(count: count, failing: true)), chunkSize: 256, depth: 2)
        var read = 0
        #expect(throws: InputError.self) {
            while try source.next() != nil { read += 1 }
        }
        #expect(read == count)
    }

    @Test func theReaderStaysBoundedAheadAndStopsWhenDropped() throws {
        var inner: Numbered? = Numbered(count: 1_000_000, failing: false)
        weak let watched = inner
        var source: PrefetchingSource? = PrefetchingSource(Self.checked(inner!), chunkSize: 100, depth: 2)
        inner = nil
        _ = try source?.next()
        // Bounded wait for the reader to fill its queue: one chunk taken, two queued, one built.
        let deadline = ContinuousClock.now + .seconds(5)
        while (watched?.given ?? 0) < 300, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect((watched?.given ?? 0) >= 300)
        #expect((watched?.given ?? .max) <= 400)
        // Dropped, the reader leaves its wait and lets go of the source (it held the only reference).
        source = nil
        let released = ContinuousClock.now + .seconds(5)
        while watched != nil, ContinuousClock.now < released { Thread.sleep(forTimeInterval: 0.01) }
        #expect(watched == nil, "the reading thread still holds the source after the reader was dropped")
    }

    /// The values of a block's records, read back as Kafka stores them.
    static func values(_ block: RecordBlock) throws -> [String] {
        var builder = RecordBatchBuilder()
        block.withRecords(timestampMs: 1000) { record in (0..<block.count).forEach { builder.append(record($0)) } }
        guard block.count > 0 else { return [] }
        return try RecordBatch.decodeBatch(builder.sealed(stamp: .none)).map { String(decoding: $0.record.value ?? [], as: UTF8.self) }
    }

    /// The native fast path: records laid out in blocks on the reading thread, numbered and
    /// checked there, in order, with the error after the records before it.
    @Test(arguments: [(0, false), (99, false), (100, false), (1_001, false), (0, true), (250, true)])
    func blocksHoldTheRecordsInOrderThenTheEnd(count: Int, failing: Bool) throws {
        let blocks = NativeSender.prefetchedBlocks(Self.checked(Numbered(count: count, failing: failing)), topic: "t", blockSize: 100, depth: 2)
        var seen: [String] = []
        var failure: (any Error)?
        do {
            while let block = try blocks.take() {
                #expect(block.count <= 100 && block.topic == "t")
                seen += try Self.values(block)
            }
        } catch {
            failure = error
        }
        #expect(seen == (0..<count).map { String($0 + 1) })
        #expect((failure is InputError) == failing)
    }
}
