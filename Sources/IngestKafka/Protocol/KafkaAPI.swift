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
    /// Encodes the body into a frame that may keep big byte fields as pieces of their own.
    func encodeBody(into frame: inout KafkaFrameBuilder)
    /// About how many bytes the framed request takes (pieces of their own not counted), so
    /// its buffer is allocated once.
    var encodedSizeHint: Int { get }
}

extension KafkaRequest {
    var encodedSizeHint: Int { 256 }

    func encodeBody(into frame: inout KafkaFrameBuilder) {
        encodeBody(into: &frame.buffer)
    }
}

/// A framed request as the buffers it is written in, one after the other: a batch's records
/// go out as their own buffer instead of being copied into the frame (a copy of every byte
/// produced, into memory the kernel must first fault in).
struct KafkaFrame: Sendable {
    /// The first piece starts with the size and the request header.
    var pieces: [ByteBuffer]

    var byteCount: Int { pieces.reduce(0) { $0 + $1.readableBytes } }

    /// The pieces in one buffer.
    func joined() -> ByteBuffer {
        guard pieces.count > 1 else { return pieces[0] }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(byteCount)
        for piece in pieces { buffer.writeImmutableBuffer(piece) }
        return buffer
    }
}

/// Writes a frame: into `buffer`, except byte fields big enough to be worth a piece of their own.
struct KafkaFrameBuilder {
    /// Below this, bytes are copied: a piece of its own costs a write and an allocation.
    static let ownPieceMinimum = 4096
    private(set) var pieces: [ByteBuffer] = []
    var buffer: ByteBuffer

    init(capacity: Int) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
    }

    /// Adds `bytes` as they are (the caller wrote their length).
    mutating func append(_ bytes: ByteBuffer) {
        guard bytes.readableBytes >= Self.ownPieceMinimum else {
            buffer.writeImmutableBuffer(bytes)
            return
        }
        pieces.append(buffer)
        pieces.append(bytes)
        buffer = ByteBuffer()
        buffer.reserveCapacity(64)
    }

    consuming func finish() -> KafkaFrame {
        if buffer.readableBytes > 0 || pieces.isEmpty { pieces.append(buffer) }
        return KafkaFrame(pieces: pieces)
    }
}

/// A response body decoded for a given version.
protocol KafkaResponse: Sendable {
    init(from reader: inout KafkaReader, version: Int16) throws
}

enum KafkaFraming {
    /// Frames a request: int32 size, request header (v1, or v2 for flexible versions:
    /// client id stays a classic nullable string even then), then the body.
    static func encode<R: KafkaRequest>(_ request: R, correlationID: Int32, clientID: String?) -> ByteBuffer {
        encodeFrame(request, correlationID: correlationID, clientID: clientID).joined()
    }

    /// `encode` as the pieces the request is written in (see `KafkaFrame`).
    static func encodeFrame<R: KafkaRequest>(_ request: R, correlationID: Int32, clientID: String?) -> KafkaFrame {
        var builder = KafkaFrameBuilder(capacity: request.encodedSizeHint)
        let flexible = R.apiKey.isFlexible(request.version)
        builder.buffer.writeInteger(Int32(0))  // size, set below
        builder.buffer.writeInteger(R.apiKey.rawValue)
        builder.buffer.writeInteger(request.version)
        builder.buffer.writeInteger(correlationID)
        builder.buffer.writeKafkaString(clientID, flexible: false)
        builder.buffer.writeEmptyTaggedFields(flexible: flexible)
        request.encodeBody(into: &builder)
        var frame = builder.finish()
        let size = Int32(frame.byteCount - 4)
        frame.pieces[0].setInteger(size, at: frame.pieces[0].readerIndex)
        return frame
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
