/// A record to send. `partition` nil means: by key hash (murmur2, like the Java client),
/// or a sticky partition for records without a key.
public struct ProducerRecord: Sendable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [(name: String, value: [UInt8]?)]
    /// Milliseconds since the epoch; nil means now.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [(name: String, value: [UInt8]?)] = [], timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// What became of one record. Every record gets exactly one.
public enum KafkaDeliveryOutcome: Sendable, Equatable {
    /// Written with acks=all. `offset` is -1 when the broker reports that an earlier attempt
    /// of the same idempotent batch was already written (DUPLICATE_SEQUENCE_NUMBER).
    case delivered(partition: Int32, offset: Int64, timestampMs: Int64)
    /// The broker (or this client, for unknown topics and a closed producer) refused the
    /// record: it was not written.
    case failed(code: Int16, name: String, message: String)
    /// It may or may not have been written: the request reached a broker and the connection
    /// was lost, or the delivery timeout was spent.
    case unknown(message: String)
}

/// Records of one producer call with consecutive indices, stored by one answer in one
/// partition at consecutive offsets: what `produce(_:onReport:onBatchEnd:onDelivered:)` gives
/// instead of one `.delivered` report per record.
public struct KafkaDeliveredRun: Sendable, Equatable {
    public let firstIndex: Int
    public let partition: Int32
    /// -1 when the broker reports that an earlier attempt was already written
    /// (DUPLICATE_SEQUENCE_NUMBER): then every record's offset is -1.
    public let firstOffset: Int64
    /// Each record's timestamp: the broker's log-append time, or the record's own.
    public let timestampsMs: [Int64]

    public var count: Int { timestampsMs.count }

    /// The same, one `.delivered` outcome per record.
    public var outcomes: [KafkaDeliveryOutcome] {
        timestampsMs.enumerated().map { position, timestampMs in
            .delivered(partition: partition, offset: firstOffset < 0 ? -1 : firstOffset + Int64(position), timestampMs: timestampMs)
        }
    }
}
