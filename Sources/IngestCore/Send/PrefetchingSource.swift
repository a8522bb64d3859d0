import Foundation

/// Reads a source's records on a thread of its own, a few chunks ahead, so splitting and
/// validating a file runs on one core while the other encodes, encrypts and sends: at native
/// speeds reading costs about as much per record as sending. Records come out in order, and
/// an error comes out where it happened, after the records before it. Memory stays bounded
/// (`depth` chunks of `chunkSize` records). Used only for sends without a rate: a paced send
/// would read `{{now}}` long before it sends the record.
final class PrefetchingSource: RecordSource, @unchecked Sendable {
    // `next()` is called by one task at a time (the sending loop); the rest is under `shared`.
    private let shared: Shared
    private var chunk: [EventRecord] = []
    private var index = 0
    /// Set once the reading thread has nothing more: how the source ended.
    private var end: End?

    /// Chunks of a few thousand records: handing over one costs two thread wake-ups, and with
    /// 256 those were a tenth of a native send's time (bench/native-send.sh).
    init(_ source: RecordSource, chunkSize: Int = 4096, depth: Int = 4) {
        shared = Shared(depth: depth)
        let shared = self.shared
        let box = SourceBox(source)
        let thread = Thread {
            shared.fill(from: box.source, chunkSize: chunkSize)
        }
        thread.name = "ingest-reader"
        thread.start()
    }

    deinit { shared.stop() }

    func next() throws -> EventRecord? {
        while index == chunk.count {
            if let end {
                if let error = end.error { throw error }
                return nil
            }
            (chunk, end) = shared.take()
            index = 0
        }
        defer { index += 1 }
        return chunk[index]
    }

    private final class SourceBox: @unchecked Sendable {
        // Handed to the reading thread, which alone uses it from then on.
        let source: RecordSource
        init(_ source: RecordSource) { self.source = source }
    }

    struct End { var error: (any Error)? }

    private final class Shared: @unchecked Sendable {
        // Every field is read and written under `condition`.
        private let condition = NSCondition()
        private var chunks: [[EventRecord]] = []
        private var end: End?
        private var stopped = false
        private let depth: Int

        init(depth: Int) { self.depth = depth }

        /// The reading thread: chunks until the source ends, fails, or the reader is dropped.
        func fill(from source: RecordSource, chunkSize: Int) {
            while true {
                var records: [EventRecord] = []
                records.reserveCapacity(chunkSize)
                var finished: End?
                do {
                    while records.count < chunkSize {
                        guard let record = try source.next() else {
                            finished = End(error: nil)
                            break
                        }
                        records.append(record)
                    }
                } catch {
                    finished = End(error: error)
                }
                condition.lock()
                while chunks.count >= depth && !stopped { condition.wait() }
                if stopped {
                    condition.unlock()
                    return
                }
                if !records.isEmpty { chunks.append(records) }
                end = finished
                condition.broadcast()
                condition.unlock()
                if finished != nil { return }
            }
        }

        /// The next chunk, waiting for it; with the end once nothing more follows.
        func take() -> ([EventRecord], End?) {
            condition.lock()
            defer { condition.unlock() }
            while chunks.isEmpty && end == nil { condition.wait() }
            if chunks.isEmpty { return ([], end) }
            let records = chunks.removeFirst()
            condition.broadcast()
            return (records, chunks.isEmpty ? end : nil)
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }
}
