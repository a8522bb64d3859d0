import Synchronization

/// Carries outcomes from where they arrive (the Kafka producer's engine) to the sinks on a task
/// of its own, so writing reports and the journal never holds up the producer; in order, each
/// batch as it arrived. The reading side waits while more than `limit` outcomes are not yet
/// written, so memory stays bounded when the sinks are slower than the cluster.
final class ReportPump: Sendable {
    /// What arrived together: reports, and ranges of delivered records.
    enum Item: Sendable {
        case reports([DeliveryReport])
        case delivered(DeliveredRange)

        var count: Int {
            switch self {
            case .reports(let reports): return reports.count
            case .delivered(let range): return range.count
            }
        }
    }

    private let continuation: AsyncStream<[Item]>.Continuation
    private let consumer: Task<Void, Never>
    private let pending = Count()
    private let room = Wakeup()
    let limit: Int

    init(run: SendRun, limit: Int = 200_000) {
        let (stream, continuation) = AsyncStream<[Item]>.makeStream()
        self.continuation = continuation
        self.limit = limit
        let pending = self.pending, room = self.room
        consumer = Task {
            for await batch in stream {
                var count = 0
                for item in batch {
                    switch item {
                    case .reports(let reports): run.report(reports)
                    case .delivered(let range): run.report(range)
                    }
                    count += item.count
                }
                let left = pending.value.subtract(count, ordering: .relaxed).newValue
                if left <= limit / 2 { room.signal() }
            }
        }
    }

    func submit(_ batch: [Item]) {
        guard !batch.isEmpty else { return }
        pending.value.add(batch.reduce(0) { $0 + $1.count }, ordering: .relaxed)
        continuation.yield(batch)
    }

    /// Returns when fewer than `limit` outcomes wait to be written (at once in the usual case).
    func waitForRoom() async {
        while pending.value.load(ordering: .relaxed) > limit, !Task.isCancelled {
            await room.wait()
        }
    }

    /// Writes what is left and ends; nothing may be submitted after.
    func finish() async {
        continuation.finish()
        await consumer.value
    }
}

/// An atomic counter tasks can share (an `Atomic` itself cannot be captured).
final class Count: Sendable {
    let value = Atomic<Int>(0)
}
