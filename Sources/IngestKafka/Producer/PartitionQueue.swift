import NIOCore

struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var description: String { "\(topic)-\(partition)" }
}

/// A record waiting in a partition queue, with the callback that receives its outcome.
struct PendingRecord: Sendable {
    var record: KafkaRecord
    var size: Int
    var enqueuedAt: ContinuousClock.Instant
    var complete: @Sendable (KafkaDeliveryOutcome) -> Void
}

/// Records of one partition waiting to be sent, as a value-type state machine. At most one
/// batch per partition is in flight: that keeps records in order and idempotent sequence
/// numbers contiguous across retries, while other partitions go out in parallel.
struct PartitionQueue: Sendable {
    enum Action: Equatable {
        case none
        /// Start a timer; when it fires call `lingerExpired()`.
        case scheduleLinger
        /// Call `takeBatch()` and send it.
        case sendNow
    }

    private(set) var pending = CircularBuffer<PendingRecord>()
    private(set) var pendingBytes = 0
    private(set) var inFlight = false
    private var lingerScheduled = false
    let batchMaxBytes: Int

    init(batchMaxBytes: Int) {
        self.batchMaxBytes = batchMaxBytes
    }

    mutating func append(_ record: PendingRecord) -> Action {
        pending.append(record)
        pendingBytes += record.size
        if inFlight { return .none }
        if pendingBytes >= batchMaxBytes { return .sendNow }
        if lingerScheduled { return .none }
        lingerScheduled = true
        return .scheduleLinger
    }

    mutating func lingerExpired() -> Action {
        lingerScheduled = false
        return inFlight || pending.isEmpty ? .none : .sendNow
    }

    /// Everything should go out without waiting (closing).
    mutating func flush() -> Action {
        inFlight || pending.isEmpty ? .none : .sendNow
    }

    /// Takes up to `batchMaxBytes` of records (at least one) and marks the partition busy.
    mutating func takeBatch() -> [PendingRecord] {
        precondition(!inFlight && !pending.isEmpty, "takeBatch needs an idle partition with records")
        var batch: [PendingRecord] = []
        var bytes = 0
        while let next = pending.first, batch.isEmpty || bytes + next.size <= batchMaxBytes {
            bytes += next.size
            batch.append(pending.removeFirst())
        }
        pendingBytes -= bytes
        inFlight = true
        return batch
    }

    /// The in-flight batch has its outcome. Records that piled up meanwhile have waited at
    /// least one round trip, longer than any sensible linger: they go out at once.
    mutating func batchFinished() -> Action {
        inFlight = false
        return pending.isEmpty ? .none : .sendNow
    }
}
