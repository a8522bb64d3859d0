import IngestKafka
import NIOCore

/// Keeps clients of the front to a fixed set of topics, as the platform does: topics are
/// created by the platform, never by a client. librdkafka 2.0.2's mock cluster creates any
/// topic a Metadata request names (it speaks only versions without allow_auto_topic_creation),
/// so unknown topic names never reach it: they are taken out of Metadata requests and
/// answered here with UNKNOWN_TOPIC_OR_PARTITION, and Produce requests for them are refused
/// with the same error per partition.
///
/// Frames are without their size prefix, as the frame decoder hands them over.
enum FrontTopicFilter {
    static let unknownTopicOrPartition = KafkaErrorCode.unknownTopicOrPartition.rawValue

    /// The request header: api key, version, correlation id, client id (a classic nullable
    /// string even in flexible versions), then tagged fields in flexible versions. Returns the
    /// reader placed at the body.
    static func bodyReader(_ frame: ByteBuffer, apiKey: KafkaAPIKey, version: Int16) throws -> KafkaReader {
        var reader = KafkaReader(frame)
        _ = try reader.int16("api key")
        _ = try reader.int16("api version")
        _ = try reader.int32("correlation id")
        _ = try reader.nullableString("client id")
        if apiKey.isFlexible(version) { try reader.skipTaggedFields() }
        return reader
    }

    // MARK: Metadata

    /// What became of a Metadata request, to put its answer right.
    struct MetadataPlan: Sendable, Equatable {
        /// Topic names taken out of the request, in request order: answered with UNKNOWN_TOPIC_OR_PARTITION.
        var dropped: [String]
        /// Topic names the client asked for that were passed on; nil when it asked for all
        /// topics (or named some by id). The answer lists no other topic.
        var passed: Set<String>?
    }

    /// Takes topics outside `allowed` out of a Metadata request. Returns the frame to relay
    /// (the same one when nothing was taken out) and the plan for the answer.
    static func filterMetadataRequest(_ frame: ByteBuffer, version: Int16, allowed: Set<String>) throws -> (ByteBuffer, MetadataPlan) {
        let flexible = KafkaAPIKey.metadata.isFlexible(version)
        var reader = try bodyReader(frame, apiKey: .metadata, version: version)
        let bodyStart = reader.buffer.readerIndex
        guard let count = try reader.arrayCount(flexible: flexible, minElementSize: 1, "topics") else {
            return (frame, MetadataPlan(dropped: [], passed: nil))  // null: all topics
        }
        if count == 0 && version == 0 {
            return (frame, MetadataPlan(dropped: [], passed: nil))  // v0: empty means all topics
        }
        var kept: [ByteBuffer] = []
        var passed: Set<String>? = []
        var dropped: [String] = []
        for _ in 0..<count {
            let entryStart = reader.buffer.readerIndex
            if version >= 10 { _ = try reader.uuid("topic id") }
            let name = try reader.nullableString(flexible: flexible, "topic name")
            if flexible { try reader.skipTaggedFields() }
            let entry = frame.getSlice(at: entryStart, length: reader.buffer.readerIndex - entryStart)!
            guard let name else {
                passed = nil  // named by id: the answer cannot be checked against names
                kept.append(entry)
                continue
            }
            if allowed.contains(name) {
                passed?.insert(name)
                kept.append(entry)
            } else if !dropped.contains(name) {
                dropped.append(name)
            }
        }
        guard !dropped.isEmpty else { return (frame, MetadataPlan(dropped: [], passed: passed)) }
        var out = frame.getSlice(at: frame.readerIndex, length: bodyStart - frame.readerIndex)!
        // In v0 an empty list would mean every topic: the answer is then cut to `passed`.
        out.writeKafkaArrayCount(kept.count, flexible: flexible)
        for var entry in kept { out.writeBuffer(&entry) }
        var rest = reader.buffer
        out.writeBuffer(&rest)
        return (out, MetadataPlan(dropped: dropped, passed: passed))
    }

    /// Copies the topics part of a Metadata answer (everything after the controller id),
    /// leaving out topics outside `allowed` or not asked for, and adding the dropped ones with
    /// UNKNOWN_TOPIC_OR_PARTITION and no partitions.
    static func filterMetadataTopics(
        _ reader: inout KafkaReader, into out: inout ByteBuffer, version: Int16, allowed: Set<String>, plan: MetadataPlan
    ) throws {
        let flexible = KafkaAPIKey.metadata.isFlexible(version)
        let source = reader.buffer
        let count = try reader.arrayCount(flexible: flexible, minElementSize: 4, "topics") ?? 0
        var kept: [ByteBuffer] = []
        for _ in 0..<count {
            let entryStart = reader.buffer.readerIndex
            _ = try reader.int16("topic error code")
            let name = try reader.nullableString(flexible: flexible, "topic name")
            if version >= 10 { _ = try reader.uuid("topic id") }
            if version >= 1 { _ = try reader.bool("is internal") }
            let partitions = try reader.arrayCount(flexible: flexible, minElementSize: 10, "partitions") ?? 0
            for _ in 0..<partitions {
                _ = try reader.int16("partition error code")
                _ = try reader.int32("partition index")
                _ = try reader.int32("leader id")
                if version >= 7 { _ = try reader.int32("leader epoch") }
                for what in ["replica nodes", "isr nodes"] + (version >= 5 ? ["offline replicas"] : []) {
                    _ = try reader.array(flexible: flexible, minElementSize: 4, what) { try $0.int32() }
                }
                if flexible { try reader.skipTaggedFields() }
            }
            if version >= 8 { _ = try reader.int32("topic authorized operations") }
            if flexible { try reader.skipTaggedFields() }
            let show = name.map { allowed.contains($0) && (plan.passed?.contains($0) ?? true) } ?? true
            if show {
                kept.append(source.getSlice(at: entryStart, length: reader.buffer.readerIndex - entryStart)!)
            }
        }
        out.writeKafkaArrayCount(kept.count + plan.dropped.count, flexible: flexible)
        for var entry in kept { out.writeBuffer(&entry) }
        for name in plan.dropped {
            out.writeInteger(unknownTopicOrPartition)
            out.writeKafkaString(name, flexible: flexible)
            if version >= 10 { out.writeRepeatingByte(0, count: 16) }
            if version >= 1 { out.writeKafkaBool(false) }
            out.writeKafkaArrayCount(0, flexible: flexible)
            if version >= 8 { out.writeInteger(Int32.min) }  // authorized operations: not asked for
            out.writeEmptyTaggedFields(flexible: flexible)
        }
    }

    // MARK: Produce

    struct RefusedTopic: Sendable, Equatable {
        var name: String
        var partitions: [Int32]
    }

    enum ProduceDecision: Equatable {
        /// Every topic is allowed: relay the frame as it is.
        case relay
        /// Relay this frame (the allowed topics only) and add the refused ones to its answer.
        case relayPart(ByteBuffer, refused: [RefusedTopic])
        /// No topic is allowed: answer here.
        case refuseAll([RefusedTopic])
    }

    /// Whether the request asks for an answer at all (acks = 0 does not).
    static func produceExpectsAnswer(_ frame: ByteBuffer, version: Int16) throws -> Bool {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var reader = try bodyReader(frame, apiKey: .produce, version: version)
        if version >= 3 { _ = try reader.nullableString(flexible: flexible, "transactional id") }
        return try reader.int16("acks") != 0
    }

    /// The first topic of a Produce request (clients send one topic per request, or a few).
    static func firstProduceTopic(_ frame: ByteBuffer, version: Int16) throws -> String? {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var reader = try bodyReader(frame, apiKey: .produce, version: version)
        if version >= 3 { _ = try reader.nullableString(flexible: flexible, "transactional id") }
        _ = try reader.int16("acks")
        _ = try reader.int32("timeout")
        let count = try reader.arrayCount(flexible: flexible, minElementSize: 6, "topic data") ?? 0
        return count > 0 ? try reader.string(flexible: flexible, "topic name") : nil
    }

    /// The topic, partition and records of a Produce request for one partition (what this
    /// client and librdkafka send); nil for several.
    static func singleProduceBatch(_ frame: ByteBuffer, version: Int16) throws -> (topic: String, partition: Int32, records: ByteBuffer)? {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var reader = try bodyReader(frame, apiKey: .produce, version: version)
        if version >= 3 { _ = try reader.nullableString(flexible: flexible, "transactional id") }
        _ = try reader.int16("acks")
        _ = try reader.int32("timeout")
        guard try reader.arrayCount(flexible: flexible, minElementSize: 6, "topic data") == 1 else { return nil }
        let topic = try reader.string(flexible: flexible, "topic name")
        guard try reader.arrayCount(flexible: flexible, minElementSize: 8, "partition data") == 1 else { return nil }
        let partition = try reader.int32("partition index")
        let length = flexible ? max(Int(try reader.unsignedVarint("records length")) - 1, 0) : max(Int(try reader.int32("records length")), 0)
        return (topic, partition, try reader.slice(length, "records"))
    }

    /// A Produce answer refusing one partition with `code` (size prefix not included).
    static func produceErrorAnswer(correlationID: Int32, version: Int16, topic: String, partition: Int32, code: Int16) -> ByteBuffer {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var out = ByteBuffer()
        out.writeInteger(correlationID)
        out.writeEmptyTaggedFields(flexible: flexible)
        out.writeKafkaArrayCount(1, flexible: flexible)
        writeRefusedTopics([RefusedTopic(name: topic, partitions: [partition])], version: version, code: code, into: &out)
        if version >= 1 { out.writeInteger(Int32(0)) }  // throttle time
        out.writeEmptyTaggedFields(flexible: flexible)
        return out
    }

    static func filterProduceRequest(_ frame: ByteBuffer, version: Int16, allowed: Set<String>) throws -> ProduceDecision {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var reader = try bodyReader(frame, apiKey: .produce, version: version)
        if version >= 3 { _ = try reader.nullableString(flexible: flexible, "transactional id") }
        _ = try reader.int16("acks")
        _ = try reader.int32("timeout")
        let topicsStart = reader.buffer.readerIndex
        let count = try reader.arrayCount(flexible: flexible, minElementSize: 6, "topic data") ?? 0
        var kept: [ByteBuffer] = []
        var refused: [RefusedTopic] = []
        for _ in 0..<count {
            let entryStart = reader.buffer.readerIndex
            let name = try reader.string(flexible: flexible, "topic name")
            let partitionCount = try reader.arrayCount(flexible: flexible, minElementSize: 8, "partition data") ?? 0
            var partitions: [Int32] = []
            for _ in 0..<partitionCount {
                partitions.append(try reader.int32("partition index"))
                let length: Int
                if flexible {
                    length = max(Int(try reader.unsignedVarint("records length")) - 1, 0)
                } else {
                    length = max(Int(try reader.int32("records length")), 0)
                }
                _ = try reader.slice(length, "records")
                if flexible { try reader.skipTaggedFields() }
            }
            if flexible { try reader.skipTaggedFields() }
            if allowed.contains(name) {
                kept.append(frame.getSlice(at: entryStart, length: reader.buffer.readerIndex - entryStart)!)
            } else {
                refused.append(RefusedTopic(name: name, partitions: partitions))
            }
        }
        guard !refused.isEmpty else { return .relay }
        guard !kept.isEmpty else { return .refuseAll(refused) }
        var out = frame.getSlice(at: frame.readerIndex, length: topicsStart - frame.readerIndex)!
        out.writeKafkaArrayCount(kept.count, flexible: flexible)
        for var entry in kept { out.writeBuffer(&entry) }
        var rest = reader.buffer
        out.writeBuffer(&rest)
        return .relayPart(out, refused: refused)
    }

    /// The answer entries of refused topics: `code` (UNKNOWN_TOPIC_OR_PARTITION unless said)
    /// for each partition.
    static func writeRefusedTopics(
        _ refused: [RefusedTopic], version: Int16, code: Int16 = unknownTopicOrPartition, into out: inout ByteBuffer
    ) {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        for topic in refused {
            out.writeKafkaString(topic.name, flexible: flexible)
            out.writeKafkaArrayCount(topic.partitions.count, flexible: flexible)
            for partition in topic.partitions {
                out.writeInteger(partition)
                out.writeInteger(code)
                out.writeInteger(Int64(-1))  // base offset
                if version >= 2 { out.writeInteger(Int64(-1)) }  // log append time
                if version >= 5 { out.writeInteger(Int64(-1)) }  // log start offset
                if version >= 8 {
                    out.writeKafkaArrayCount(0, flexible: flexible)  // record errors
                    out.writeKafkaString(
                        code == unknownTopicOrPartition ? "This server does not host this topic-partition." : nil, flexible: flexible)
                }
                out.writeEmptyTaggedFields(flexible: flexible)
            }
            out.writeEmptyTaggedFields(flexible: flexible)
        }
    }

    /// A whole Produce answer (size prefix not included) refusing every topic of a request.
    static func refusedProduceAnswer(correlationID: Int32, version: Int16, refused: [RefusedTopic]) -> ByteBuffer {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var out = ByteBuffer()
        out.writeInteger(correlationID)
        out.writeEmptyTaggedFields(flexible: flexible)
        out.writeKafkaArrayCount(refused.count, flexible: flexible)
        writeRefusedTopics(refused, version: version, into: &out)
        if version >= 1 { out.writeInteger(Int32(0)) }  // throttle time
        out.writeEmptyTaggedFields(flexible: flexible)
        return out
    }

    /// An upstream Produce answer with the refused topics added in front of its own.
    static func addRefused(_ refused: [RefusedTopic], toProduceAnswer frame: ByteBuffer, version: Int16) throws -> ByteBuffer {
        let flexible = KafkaAPIKey.produce.isFlexible(version)
        var out = ByteBuffer()
        var reader = try FrontRewriter.copyResponseHeader(frame, flexible: flexible, into: &out)
        let count = try reader.arrayCount(flexible: flexible, minElementSize: 3, "topic responses") ?? 0
        out.writeKafkaArrayCount(count + refused.count, flexible: flexible)
        writeRefusedTopics(refused, version: version, into: &out)
        var rest = reader.buffer
        out.writeBuffer(&rest)
        return out
    }
}
