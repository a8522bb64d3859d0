import NIOCore

struct SaslHandshakeRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.saslHandshake
    var version: Int16 = 1
    var mechanism: String

    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(mechanism, flexible: false)
    }
}

struct SaslHandshakeResponse: KafkaResponse, Equatable {
    var errorCode: Int16
    var mechanisms: [String]

    init(errorCode: Int16, mechanisms: [String]) {
        self.errorCode = errorCode
        self.mechanisms = mechanisms
    }

    init(from reader: inout KafkaReader, version: Int16) throws {
        errorCode = try reader.int16("error code")
        mechanisms = try reader.array(flexible: false, minElementSize: 2, "mechanisms") { try $0.string("mechanism") }
    }
}

struct SaslAuthenticateRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.saslAuthenticate
    var version: Int16
    var authBytes: [UInt8]

    func encodeBody(into buffer: inout ByteBuffer) {
        let flexible = Self.apiKey.isFlexible(version)
        buffer.writeKafkaBytes(authBytes, flexible: flexible)
        buffer.writeEmptyTaggedFields(flexible: flexible)
    }
}

struct SaslAuthenticateResponse: KafkaResponse, Equatable {
    var errorCode: Int16
    var errorMessage: String?
    var authBytes: [UInt8]

    init(errorCode: Int16, errorMessage: String?, authBytes: [UInt8]) {
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.authBytes = authBytes
    }

    init(from reader: inout KafkaReader, version: Int16) throws {
        let flexible = KafkaAPIKey.saslAuthenticate.isFlexible(version)
        errorCode = try reader.int16("error code")
        errorMessage = try reader.nullableString(flexible: flexible, "error message")
        authBytes = try reader.bytes(flexible: flexible, "auth bytes")
        if version >= 1 { _ = try reader.int64("session lifetime") }
        if flexible { try reader.skipTaggedFields() }
    }
}
