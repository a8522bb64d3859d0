import Foundation
import IngestKafka

/// Reads a source's records on a thread of its own, a few chunks ahead, so splitting and
/// validating a file runs on one core while the other encodes, encrypts and sends: at native
/// speeds reading costs about as much per record as sending. Chunks come out in order, and
/// an error comes out where it happened, after the records before it. Memory stays bounded
/// (`depth` chunks). Used only for sends without a rate: a paced send would read `{{now}}`
/// long before it sends the record.
final class Prefetcher<Chunk: PrefetchedChunk>: @unchecked Sendable {
    private let shared: Shared

    /// `fill` runs on the reading thread: it adds records to a new chunk and returns false
    /// once the source has no more (a chunk it filled before throwing still comes out).
    init(depth: Int = 4, make: @escaping @Sendable () -> Chunk, fill: @escaping @Sendable (inout Chunk) throws -> Bool) {
        shared = Shared(depth: depth)
        let shared = self.shared
        let thread = Thread { shared.run(make: make, fill: fill) }
        thread.name = "ingest-reader"
        thread.start()
    }

    deinit { shared.stop() }

    /// The next chunk, waiting for it; nil at the end, or the error that ended the source.
    func take() throws -> Chunk? {
        try shared.take()
    }

    private final class Shared: @unchecked Sendable {
        // Every field is read and written under `condition`.
        private let condition = NSCondition()
        private var chunks: [Chunk] = []
        /// Set once the reading thread has nothing more: how the source ended.
        private var end: Result<Void, any Error>?
        private var stopped = false
        private let depth: Int

        init(depth: Int) { self.depth = depth }

        /// The reading thread: chunks until the source ends, fails, or the reader is dropped.
        func run(make: () -> Chunk, fill: (inout Chunk) throws -> Bool) {
            while true {
                var chunk = make()
                var finished: Result<Void, any Error>?
                do {
                    if try !fill(&chunk) { finished = .success(()) }
                } catch {
                    finished = .failure(error)
                }
                condition.lock()
                while chunks.count >= depth && !stopped { condition.wait() }
                if stopped {
                    condition.unlock()
                    return
                }
                if !chunk.isEmpty { chunks.append(chunk) }
                end = finished
                condition.broadcast()
                condition.unlock()
                if finished != nil { return }
            }
        }

        func take() throws -> Chunk? {
            condition.lock()
            defer { condition.unlock() }
            while chunks.isEmpty && end == nil { condition.wait() }
            if chunks.isEmpty {
                try end?.get()
                return nil
            }
            condition.broadcast()
            return chunks.removeFirst()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// What a `Prefetcher` hands over: a run of records.
protocol PrefetchedChunk: Sendable {
    var isEmpty: Bool { get }
}

extension Array: PrefetchedChunk where Element == EventRecord {}
extension RecordBlock: PrefetchedChunk {}

/// A source read ahead on its own thread, record by record on this side.
final class PrefetchingSource: RecordSource, @unchecked Sendable {
    // `next()` is called by one task at a time (the sending loop).
    private let prefetcher: Prefetcher<[EventRecord]>
    private var chunk: [EventRecord] = []
    private var index = 0

    /// Chunks of a few thousand records: handing over one costs two thread wake-ups, and with
    /// 256 those were a tenth of a native send's time (bench/native-send.sh).
    init(_ source: ReadAheadSource, chunkSize: Int = 4096, depth: Int = 4) {
        let box = ReadingThreadBox(source)
        prefetcher = Prefetcher(depth: depth, make: { [] }) { records in
            defer { box.source.endOfChunk() }
            records.reserveCapacity(chunkSize)
            while records.count < chunkSize {
                guard let record = try box.source.next() else { return false }
                records.append(record)
            }
            return true
        }
    }

    func next() throws -> EventRecord? {
        while index == chunk.count {
            guard let next = try prefetcher.take() else { return nil }
            (chunk, index) = (next, 0)
        }
        defer { index += 1 }
        return chunk[index]
    }
}

/// A source handed to the reading thread, which alone uses it from then on.
final class ReadingThreadBox: @unchecked Sendable {
    let source: ReadAheadSource
    init(_ source: ReadAheadSource) { self.source = source }
}
