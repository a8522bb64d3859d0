import Foundation
import Testing
@testable import IngestCore

/// The reading thread of native sends: same records, same order, the error where it happened.
@Suite struct PrefetchTests {
    /// Gives `count` records, then fails (if `failAfter`), from whatever thread calls it.
    final class Numbered: RecordSource, @unchecked Sendable {
        let count: Int
        let failing: Bool
        var given = 0
        init(count: Int, failing: Bool) { self.count = count; self.failing = failing }
        func next() throws -> EventRecord? {
            if given == count {
                if failing { throw InputError("line \(count + 1) is not JSON") }
                return nil
            }
            given += 1
            return EventRecord(value: Payload(type: .string, data: Array("\(given)".utf8)))
        }
    }

    @Test(arguments: [0, 1, 255, 256, 257, 5_000])
    func recordsComeOutInOrderThenTheEnd(count: Int) throws {
        let source = PrefetchingSource(Numbered(count: count, failing: false), chunkSize: 256, depth: 2)
        var seen: [String] = []
        while let record = try source.next() { seen.append(String(decoding: record.value?.data ?? [], as: UTF8.self)) }
        #expect(seen == (0..<count).map { String($0 + 1) })
        #expect(try source.next() == nil)
    }

    @Test(arguments: [0, 3, 256, 1_000])
    func anErrorComesAfterTheRecordsBeforeIt(count: Int) {
        let source = PrefetchingSource(Numbered(count: count, failing: true), chunkSize: 256, depth: 2)
        var read = 0
        #expect(throws: InputError.self) {
            while try source.next() != nil { read += 1 }
        }
        #expect(read == count)
    }

    @Test func theReaderStaysBoundedAheadAndStopsWhenDropped() throws {
        let inner = Numbered(count: 1_000_000, failing: false)
        var source: PrefetchingSource? = PrefetchingSource(inner, chunkSize: 100, depth: 2)
        _ = try source?.next()
        // Bounded wait for the reader to fill its queue: two chunks queued, one being built.
        let deadline = ContinuousClock.now + .seconds(5)
        while inner.given < 300, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(inner.given <= 400)
        source = nil
        Thread.sleep(forTimeInterval: 0.1)
        let afterDrop = inner.given
        Thread.sleep(forTimeInterval: 0.1)
        #expect(inner.given == afterDrop)
        #expect(afterDrop < 1_000_000)
    }
}
