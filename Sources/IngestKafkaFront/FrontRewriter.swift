import IngestKafka
import NIOCore

enum FrontRewriter {
    /// Starts an answer made from an upstream one: copies its response header (the
    /// correlation id, then tagged fields in flexible versions) into `out` and returns a
    /// reader placed at the body.
    static func copyResponseHeader(_ frame: ByteBuffer, flexible: Bool, into out: inout ByteBuffer) throws -> KafkaReader {
        var reader = KafkaReader(frame)
        out.writeInteger(try reader.int32("correlation id"))
        if flexible {
            try reader.skipTaggedFields()
            out.writeEmptyTaggedFields(flexible: true)
        }
        return reader
    }

    /// Replaces broker addresses in a Metadata answer (the brokers array comes first in every
    /// version); the rest of the answer is copied byte for byte.
    /// With `topics`, the topics part is also filtered (see `FrontTopicFilter.filterMetadataTopics`).
    static func rewriteMetadata(
        _ frame: ByteBuffer, version: Int16, _ advertised: @Sendable (String, Int32) -> (String, Int32)?,
        topics: (allowed: Set<String>, plan: FrontTopicFilter.MetadataPlan)? = nil
    ) throws -> ByteBuffer {
        let flexible = KafkaAPIKey.metadata.isFlexible(version)
        var out = ByteBuffer()
        var reader = try copyResponseHeader(frame, flexible: flexible, into: &out)
        if version >= 3 { out.writeInteger(try reader.int32("throttle time")) }
        let count = try reader.arrayCount(flexible: flexible, minElementSize: 9, "brokers") ?? 0
        out.writeKafkaArrayCount(count, flexible: flexible)
        for _ in 0..<count {
            let nodeID = try reader.int32("node id")
            var host = try reader.string(flexible: flexible, "host")
            var port = try reader.int32("port")
            if let mapped = advertised(host, port) { (host, port) = mapped }
            out.writeInteger(nodeID)
            out.writeKafkaString(host, flexible: flexible)
            out.writeInteger(port)
            if version >= 1 { out.writeKafkaString(try reader.nullableString(flexible: flexible, "rack"), flexible: flexible) }
            if flexible {
                try reader.skipTaggedFields()
                out.writeEmptyTaggedFields(flexible: true)
            }
        }
        if let topics {
            if version >= 2 { out.writeKafkaString(try reader.nullableString(flexible: flexible, "cluster id"), flexible: flexible) }
            if version >= 1 { out.writeInteger(try reader.int32("controller id")) }
            try FrontTopicFilter.filterMetadataTopics(&reader, into: &out, version: version, allowed: topics.allowed, plan: topics.plan)
        }
        var rest = reader.buffer
        out.writeBuffer(&rest)
        return out
    }
}
