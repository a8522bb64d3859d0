import NIOCore

/// Metadata v1...v12 for named topics. Topics are never auto-created: they belong to the
/// platform, and a typo must not create one. (v1...v3 cannot say so; only old brokers, such
/// as librdkafka 2.0.2's mock cluster, make us use them.)
struct MetadataRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.metadata
    var version: Int16
    var topics: [String]

    func encodeBody(into buffer: inout ByteBuffer) {
        let flexible = Self.apiKey.isFlexible(version)
        buffer.writeKafkaArrayCount(topics.count, flexible: flexible)
        for topic in topics {
            if version >= 10 { buffer.writeRepeatingByte(0, count: 16) }  // topic id: unknown
            buffer.writeKafkaString(topic, flexible: flexible)
            buffer.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 4 { buffer.writeKafkaBool(false) }  // allow_auto_topic_creation
        if version >= 8 {
            if version <= 10 { buffer.writeKafkaBool(false) }  // include_cluster_authorized_operations
            buffer.writeKafkaBool(false)  // include_topic_authorized_operations
        }
        buffer.writeEmptyTaggedFields(flexible: flexible)
    }
}

struct MetadataResponse: KafkaResponse, Equatable {
    struct Broker: Sendable, Equatable {
        var nodeID: Int32
        var host: String
        var port: Int32
    }

    struct Partition: Sendable, Equatable {
        var errorCode: Int16
        var index: Int32
        var leaderID: Int32
    }

    struct Topic: Sendable, Equatable {
        var errorCode: Int16
        var name: String
        var partitions: [Partition]
    }

    var brokers: [Broker]
    var topics: [Topic]

    init(brokers: [Broker], topics: [Topic]) {
        self.brokers = brokers
        self.topics = topics
    }

    init(from reader: inout KafkaReader, version: Int16) throws {
        let flexible = KafkaAPIKey.metadata.isFlexible(version)
        if version >= 3 { _ = try reader.int32("throttle time") }
        brokers = try reader.array(flexible: flexible, minElementSize: 9, "brokers") { r in
            let broker = Broker(
                nodeID: try r.int32("node id"),
                host: try r.string(flexible: flexible, "broker host"),
                port: try r.int32("broker port")
            )
            _ = try r.nullableString(flexible: flexible, "rack")
            if flexible { try r.skipTaggedFields() }
            return broker
        }
        if version >= 2 { _ = try reader.nullableString(flexible: flexible, "cluster id") }
        _ = try reader.int32("controller id")
        topics = try reader.array(flexible: flexible, minElementSize: 4, "topics") { r in
            let errorCode = try r.int16("topic error code")
            let name = try r.nullableString(flexible: flexible, "topic name") ?? ""
            if version >= 10 { _ = try r.uuid("topic id") }
            _ = try r.bool("is internal")
            let partitions = try r.array(flexible: flexible, minElementSize: 10, "partitions") { p in
                let partition = Partition(
                    errorCode: try p.int16("partition error code"),
                    index: try p.int32("partition index"),
                    leaderID: try p.int32("leader id")
                )
                if version >= 7 { _ = try p.int32("leader epoch") }
                for what in ["replica nodes", "isr nodes"] + (version >= 5 ? ["offline replicas"] : []) {
                    _ = try p.array(flexible: flexible, minElementSize: 4, what) { try $0.int32() }
                }
                if flexible { try p.skipTaggedFields() }
                return partition
            }
            if version >= 8 { _ = try r.int32("topic authorized operations") }
            if flexible { try r.skipTaggedFields() }
            return Topic(errorCode: errorCode, name: name, partitions: partitions)
        }
        if version >= 8 && version <= 10 { _ = try reader.int32("cluster authorized operations") }
        if flexible { try reader.skipTaggedFields() }
    }
}
