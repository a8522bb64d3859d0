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

struct ApiVersionsResponse: KafkaResponse, Equatable {
    struct Range: Sendable, Equatable {
        var apiKey: Int16
        var minVersion: Int16
        var maxVersion: Int16
    }

    var errorCode: Int16
    var apiKeys: [Range]
    var throttleTimeMs: Int32

    init(errorCode: Int16, apiKeys: [Range], throttleTimeMs: Int32 = 0) {
        self.errorCode = errorCode
        self.apiKeys = apiKeys
        self.throttleTimeMs = throttleTimeMs
    }

    init(from reader: inout KafkaReader, version: Int16) throws {
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
}
