import Crypto
import Foundation

/// The SCRAM hash functions Kafka offers (RFC 5802 with SHA-256 / SHA-512, RFC 7677).
public enum SCRAMMechanism: String, Sendable, CaseIterable {
    case sha256 = "SCRAM-SHA-256"
    case sha512 = "SCRAM-SHA-512"

    /// Kafka's mechanism name, as sent in SaslHandshake.
    public var kafkaName: String { rawValue }

    func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256:
            Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        case .sha512:
            Array(HMAC<SHA512>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        }
    }

    func hash(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: message))
        case .sha512: Array(SHA512.hash(data: message))
        }
    }

    /// Hi() of RFC 5802 (PBKDF2 with HMAC as PRF, one block of output).
    func saltedPassword(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = Array(password.utf8)
        var u = hmac(key: key, message: salt + [0, 0, 0, 1])
        var result = u
        if iterations > 1 {
            for _ in 2...iterations {
                u = hmac(key: key, message: u)
                for i in result.indices { result[i] ^= u[i] }
            }
        }
        return result
    }

    /// The keys both sides derive from the salted password (RFC 5802 section 3).
    func keys(saltedPassword: [UInt8]) -> (clientKey: [UInt8], storedKey: [UInt8], serverKey: [UInt8]) {
        let clientKey = hmac(key: saltedPassword, message: Array("Client Key".utf8))
        let serverKey = hmac(key: saltedPassword, message: Array("Server Key".utf8))
        return (clientKey, hash(clientKey), serverKey)
    }
}

public struct SCRAMError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    init(_ message: String) {
        self.message = message
    }
}

/// Helpers shared by the client and the server side.
enum SCRAMText {
    /// Splits "a=1,b=2" into attribute pairs; values may contain '='.
    static func attributes(_ message: String) throws -> [(Character, String)] {
        try message.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard part.count >= 2, let name = part.first, part[part.index(after: part.startIndex)] == "=" else {
                throw SCRAMError("malformed SCRAM attribute '\(part.prefix(20))'")
            }
            return (name, String(part.dropFirst(2)))
        }
    }

    static func value(_ name: Character, in attributes: [(Character, String)]) -> String? {
        attributes.first(where: { $0.0 == name })?.1
    }

    /// RFC 5802 saslname: ',' and '=' are escaped.
    static func escapeUsername(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    static func unescapeUsername(_ name: String) -> String {
        name.replacingOccurrences(of: "=2C", with: ",").replacingOccurrences(of: "=3D", with: "=")
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    static func unbase64(_ text: String, _ what: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw SCRAMError("\(what) is not valid base64") }
        return Array(data)
    }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }

    /// Comparison whose time does not depend on where the inputs differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // base64 without ',' is a valid printable nonce.
        return base64(bytes)
    }
}
