import NIOCore

/// The Kafka APIs this client speaks, and the version range of each that it can encode.
public enum KafkaAPIKey: Int16, Sendable, CaseIterable {
    case produce = 0
    case fetch = 1
    case metadata = 3
    case saslHandshake = 17
    case apiVersions = 18
    case initProducerId = 22
    case saslAuthenticate = 36

    /// Versions this client implements (min...max).
    var supportedVersions: ClosedRange<Int16> {
        switch self {
        case .produce: 3...11
        case .fetch: 4...4
        case .metadata: 1...12
        case .saslHandshake: 1...1
        case .apiVersions: 0...3
        case .initProducerId: 0...4
        case .saslAuthenticate: 0...2
        }
    }

    /// First version that uses the flexible encoding (compact types, tagged fields).
    var firstFlexibleVersion: Int16? {
        switch self {
        case .produce: 9
        case .fetch: 12
        case .metadata: 9
        case .saslHandshake: nil
        case .apiVersions: 3
        case .initProducerId: 2
        case .saslAuthenticate: 2
        }
    }

    package func isFlexible(_ version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// The response header is v1 (with tagged fields) for flexible versions, except for
    /// ApiVersions which always answers with header v0 so any client can read it.
    func responseHeaderHasTaggedFields(_ version: Int16) -> Bool {
        self != .apiVersions && isFlexible(version)
    }
}

/// A request body that knows its API and version and can encode itself.
protocol KafkaRequest: Sendable {
    static var apiKey: KafkaAPIKey { get }
    var version: Int16 { get }
    func encodeBody(into buffer: inout ByteBuffer)
    /// About how many bytes the framed request takes, so its buffer is allocated once.
    var encodedSizeHint: Int { get }
}

extension KafkaRequest {
    var encodedSizeHint: Int { 256 }
}

/// A response body decoded for a given version.
protocol KafkaResponse: Sendable {
    init(from reader: inout KafkaReader, version: Int16) throws
}

enum KafkaFraming {
    /// Frames a request: int32 size, request header (v1, or v2 for flexible versions:
    /// client id stays a classic nullable string even then), then the body.
    static func encode<R: KafkaRequest>(_ request: R, correlationID: Int32, clientID: String?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(request.encodedSizeHint)
        let flexible = R.apiKey.isFlexible(request.version)
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(R.apiKey.rawValue)
        buffer.writeInteger(request.version)
        buffer.writeInteger(correlationID)
        buffer.writeKafkaString(clientID, flexible: false)
        buffer.writeEmptyTaggedFields(flexible: flexible)
        request.encodeBody(into: &buffer)
        buffer.setInteger(Int32(buffer.writerIndex - sizeIndex - 4), at: sizeIndex)
        return buffer
    }

    /// Reads the correlation id off a response frame (size prefix already removed).
    static func correlationID(of frame: ByteBuffer) throws -> Int32 {
        var reader = KafkaReader(frame)
        return try reader.int32("correlation id")
    }

    /// Decodes a response frame (size prefix already removed) for the request it answers.
    static func decode<T: KafkaResponse>(
        _ type: T.Type, frame: ByteBuffer, apiKey: KafkaAPIKey, version: Int16
    ) throws -> T {
        var reader = KafkaReader(frame)
        _ = try reader.int32("correlation id")
        if apiKey.responseHeaderHasTaggedFields(version) {
            try reader.skipTaggedFields()
        }
        return try T(from: &reader, version: version)
    }
}
