import NIOCore

struct ApiVersionsRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.apiVersions
    var version: Int16
    var clientSoftwareName = "ingest-kafka"
    var clientSoftwareVersion = "1.0.0"

    func encodeBody(into buffer: inout ByteBuffer) {
        guard version >= 3 else { return }
        buffer.writeKafkaString(clientSoftwareName, flexible: true)
        buffer.writeKafkaString(clientSoftwareVersion, flexible: true)
        buffer.writeEmptyTaggedFields(flexible: true)
    }
}

package struct ApiVersionsResponse: KafkaResponse, Equatable {
    package struct Range: Sendable, Equatable {
        package var apiKey: Int16
        package var minVersion: Int16
        package var maxVersion: Int16

        package init(apiKey: Int16, minVersion: Int16, maxVersion: Int16) {
            self.apiKey = apiKey
            self.minVersion = minVersion
            self.maxVersion = maxVersion
        }
    }

    package var errorCode: Int16
    package var apiKeys: [Range]
    package var throttleTimeMs: Int32

    package init(errorCode: Int16, apiKeys: [Range], throttleTimeMs: Int32 = 0) {
        self.errorCode = errorCode
        self.apiKeys = apiKeys
        self.throttleTimeMs = throttleTimeMs
    }

    package init(from reader: inout KafkaReader, version: Int16) throws {
        // A broker that does not know our version answers UNSUPPORTED_VERSION, in the v0
        // layout for Apache Kafka, in a garbled one for some others (librdkafka's mock). Only
        // the error code matters then: the caller asks again with an older version.
        let flexible = version >= 3
        errorCode = try reader.int16("error code")
        if errorCode == KafkaErrorCode.unsupportedVersion.rawValue {
            var v0 = reader
            apiKeys =
                (try? v0.array(flexible: false, minElementSize: 6, "api keys") { r in
                    Range(apiKey: try r.int16(), minVersion: try r.int16(), maxVersion: try r.int16())
                }) ?? []
            throttleTimeMs = 0
            return
        }
        apiKeys = try reader.array(flexible: flexible, minElementSize: 6, "api keys") { r in
            let range = Range(apiKey: try r.int16(), minVersion: try r.int16(), maxVersion: try r.int16())
            if flexible { try r.skipTaggedFields() }
            return range
        }
        throttleTimeMs = version >= 1 ? try reader.int32("throttle time") : 0
        if flexible { try reader.skipTaggedFields() }
    }

    /// The highest version both sides implement, or nil when the ranges do not meet.
    func negotiatedVersion(for api: KafkaAPIKey) -> Int16? {
        guard let broker = apiKeys.first(where: { $0.apiKey == api.rawValue }) else { return nil }
        let ours = api.supportedVersions
        let high = min(broker.maxVersion, ours.upperBound)
        let low = max(broker.minVersion, ours.lowerBound)
        return low <= high ? high : nil
    }

    /// The response body in the layout of `version` (used by the TLS front, which answers
    /// ApiVersions itself to add the SASL APIs its upstream lacks).
    package func encode(version: Int16) -> ByteBuffer {
        let flexible = version >= 3
        var buffer = ByteBuffer()
        buffer.writeInteger(errorCode)
        buffer.writeKafkaArrayCount(apiKeys.count, flexible: flexible)
        for range in apiKeys {
            buffer.writeInteger(range.apiKey)
            buffer.writeInteger(range.minVersion)
            buffer.writeInteger(range.maxVersion)
            buffer.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 1 { buffer.writeInteger(throttleTimeMs) }
        buffer.writeEmptyTaggedFields(flexible: flexible)
        return buffer
    }
}
