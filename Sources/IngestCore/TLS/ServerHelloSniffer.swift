import Foundation
import NIOCore

/// Reads the cipher suite the server chose from its ServerHello, which travels in clear in
/// TLS 1.2 and 1.3 alike. swift-nio-ssl reports the version and certificates but not the
/// cipher, so the doctor looks at the bytes before they reach the TLS handler. Bytes pass on
/// unchanged; the sniffer stops looking once it has the answer or 16 KiB went by.
final class ServerHelloSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var seen: [UInt8] = []
    private var done = false
    private(set) var cipherSuite: UInt16?
    /// The ServerHello's version field: 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2 (and 1.3,
    /// which names itself in an extension).
    private(set) var helloVersion: UInt16?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !done {
            seen += unwrapInboundIn(data).readableBytesView
            if let suite = Self.cipherSuite(inServerFlight: seen) {
                cipherSuite = suite
                helloVersion = Self.helloVersion(inServerFlight: seen)
                done = true
            } else if seen.count > 16 * 1024 {
                done = true
            }
            if done { seen = [] }
        }
        context.fireChannelRead(data)
    }

    /// The version field of the ServerHello at the start of `bytes`.
    static func helloVersion(inServerFlight bytes: [UInt8]) -> UInt16? {
        let handshake = handshakeBytes(bytes)
        guard handshake.count >= 6, handshake[0] == 2 else { return nil }
        return UInt16(handshake[4]) << 8 | UInt16(handshake[5])
    }

    /// Handshake bytes from the leading handshake records (a message may span records).
    static func handshakeBytes(_ bytes: [UInt8]) -> [UInt8] {
        var handshake: [UInt8] = []
        var at = 0
        while at + 5 <= bytes.count, bytes[at] == 22 {
            let length = Int(bytes[at + 3]) << 8 | Int(bytes[at + 4])
            guard at + 5 + length <= bytes.count else { break }
            handshake += bytes[(at + 5)..<(at + 5 + length)]
            at += 5 + length
        }
        return handshake
    }

    /// The cipher suite of the ServerHello at the start of `bytes` (TLS records as received),
    /// or nil while incomplete or when the bytes are not a ServerHello.
    static func cipherSuite(inServerFlight bytes: [UInt8]) -> UInt16? {
        let handshake = handshakeBytes(bytes)
        // type(1)=2, length(3), legacy_version(2), random(32), session_id(1 + n), cipher_suite(2)
        guard handshake.count >= 39, handshake[0] == 2 else { return nil }
        let sessionIDLength = Int(handshake[38])
        let suiteAt = 39 + sessionIDLength
        guard handshake.count >= suiteAt + 2 else { return nil }
        return UInt16(handshake[suiteAt]) << 8 | UInt16(handshake[suiteAt + 1])
    }

    /// IANA names of the suites a TLS 1.2+ server may pick with BoringSSL or OpenSSL clients.
    static func name(of suite: UInt16) -> String {
        switch suite {
        case 0x1301: "TLS_AES_128_GCM_SHA256"
        case 0x1302: "TLS_AES_256_GCM_SHA384"
        case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
        case 0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case 0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
        case 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
        case 0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256"
        case 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384"
        default: String(format: "cipher suite 0x%04X", suite)
        }
    }
}
