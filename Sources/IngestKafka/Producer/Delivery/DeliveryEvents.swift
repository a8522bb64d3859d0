/// The producer's idempotent identity. `generation` counts the identities this producer had,
/// so a partition can tell whether its sequence numbers belong to the current one.
struct ProducerIdentity: Sendable, Equatable {
    var producerID: Int64
    var epoch: Int16
    var generation: Int
}

/// Identifies one batch for the lifetime of a producer.
struct BatchID: Hashable, Sendable, Comparable, CustomStringConvertible {
    var value: Int
    static func < (a: BatchID, b: BatchID) -> Bool { a.value < b.value }
    var description: String { "batch \(value)" }
}

/// What goes in and comes out of a `PartitionDelivery` machine.
extension PartitionDelivery {
    enum Answer: Sendable, Equatable {
        /// The broker stored the batch.
        case stored(baseOffset: Int64, logAppendTimeMs: Int64)
        /// The broker refused it with an error code.
        case refused(code: Int16, message: String?)
        /// No answer: the connection was lost or timed out after the request may have been written.
        case lost(String, mayHaveReachedBroker: Bool)
        /// Not sent at all (no leader known, no connection): nothing reached a broker.
        case notSent(String)
        /// An answer that could not be read: the batch may be stored.
        case unreadable(String)
        /// The broker cannot take this batch at all (no Produce version we speak).
        case impossible(code: Int16, name: String, message: String)
    }

    enum Outcome: Sendable, Equatable {
        case delivered(baseOffset: Int64, logAppendTimeMs: Int64)
        case failed(code: Int16, name: String, message: String)
        case unknown(String)
    }

    enum Action: Sendable, Equatable {
        /// Write this batch's Produce request now, stamped with `identity` and `baseSequence`
        /// (nil and -1 without idempotence). Requests of one partition must be written in
        /// the order of these actions.
        case send(BatchID, identity: ProducerIdentity?, baseSequence: Int32)
        /// Call `retryTimerFired` after this long.
        case startRetryTimer(Duration)
        /// Give the batch's records this outcome; the batch is done.
        case finish(BatchID, Outcome)
        /// The partition's leader may have moved.
        case refreshMetadata
        /// The partition needs an identity newer than this generation (nil: any identity);
        /// answer with `identityAvailable` (or `identityUnavailable`).
        case needIdentity(newerThan: Int?)
    }
}
