import NIOCore

/// Produce v3...v11 with acks = -1 (all in-sync replicas).
struct ProduceRequest: KafkaRequest {
    struct PartitionData: Sendable {
        var partition: Int32
        var batch: ByteBuffer
        /// Bytes that follow `batch` in the same records field (a batch's records after its header).
        var rest: ByteBuffer?

        init(partition: Int32, batch: ByteBuffer, rest: ByteBuffer? = nil) {
            self.partition = partition
            self.batch = batch
            self.rest = rest
        }
    }

    struct TopicData: Sendable {
        var topic: String
        var partitions: [PartitionData]
    }

    static let apiKey = KafkaAPIKey.produce
    var version: Int16
    var timeoutMs: Int32
    var topics: [TopicData]

    /// Without the batches, which go as pieces of their own (small ones are copied; see `KafkaFrameBuilder`).
    var encodedSizeHint: Int {
        topics.reduce(256) { total, topic in
            total + 64 + topic.topic.utf8.count
                + topic.partitions.reduce(0) { $0 + 32 + $1.batch.readableBytes + min($1.rest?.readableBytes ?? 0, KafkaFrameBuilder.ownPieceMinimum) }
        }
    }

    /// In one buffer, for callers that want one (framing uses the pieces below).
    func encodeBody(into buffer: inout ByteBuffer) {
        var frame = KafkaFrameBuilder(capacity: encodedSizeHint)
        encodeBody(into: &frame)
        buffer.writeImmutableBuffer(frame.finish().joined())
    }

    func encodeBody(into frame: inout KafkaFrameBuilder) {
        let flexible = Self.apiKey.isFlexible(version)
        frame.buffer.writeKafkaString(nil, flexible: flexible)  // transactional id
        frame.buffer.writeInteger(Int16(-1))  // acks = all
        frame.buffer.writeInteger(timeoutMs)
        frame.buffer.writeKafkaArrayCount(topics.count, flexible: flexible)
        for topic in topics {
            frame.buffer.writeKafkaString(topic.topic, flexible: flexible)
            frame.buffer.writeKafkaArrayCount(topic.partitions.count, flexible: flexible)
            for partition in topic.partitions {
                frame.buffer.writeInteger(partition.partition)
                frame.buffer.writeKafkaBytesLength(partition.batch.readableBytes + (partition.rest?.readableBytes ?? 0), flexible: flexible)
                frame.append(partition.batch)
                if let rest = partition.rest { frame.append(rest) }
                frame.buffer.writeEmptyTaggedFields(flexible: flexible)
            }
            frame.buffer.writeEmptyTaggedFields(flexible: flexible)
        }
        frame.buffer.writeEmptyTaggedFields(flexible: flexible)
    }
}

package struct ProduceResponse: KafkaResponse, Equatable {
    package struct PartitionResponse: Sendable, Equatable {
        package var partition: Int32
        package var errorCode: Int16
        package var baseOffset: Int64
        package var logAppendTimeMs: Int64
        package var errorMessage: String?
    }

    package struct TopicResponse: Sendable, Equatable {
        package var topic: String
        package var partitions: [PartitionResponse]
    }

    package var topics: [TopicResponse]

    init(topics: [TopicResponse]) {
        self.topics = topics
    }

    package init(from reader: inout KafkaReader, version: Int16) throws {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        topics = try reader.array(flexible: flexible, minElementSize: 3, "topic responses") { r in
            let topic = try r.string(flexible: flexible, "topic")
            let partitions = try r.array(flexible: flexible, minElementSize: 14, "partition responses") { p in
                var response = PartitionResponse(
                    partition: try p.int32("partition"),
                    errorCode: try p.int16("error code"),
                    baseOffset: try p.int64("base offset"),
                    logAppendTimeMs: -1,
                    errorMessage: nil
                )
                if version >= 2 { response.logAppendTimeMs = try p.int64("log append time") }
                if version >= 5 { _ = try p.int64("log start offset") }
                if version >= 8 {
                    _ = try p.array(flexible: flexible, minElementSize: 5, "record errors") { e in
                        _ = try e.int32("batch index")
                        _ = try e.nullableString(flexible: flexible, "batch index error message")
                        if flexible { try e.skipTaggedFields() }
                    }
                    response.errorMessage = try p.nullableString(flexible: flexible, "error message")
                }
                if flexible { try p.skipTaggedFields() }
                return response
            }
            if flexible { try r.skipTaggedFields() }
            return TopicResponse(topic: topic, partitions: partitions)
        }
        _ = try reader.int32("throttle time")
        if flexible { try reader.skipTaggedFields() }
    }
}
