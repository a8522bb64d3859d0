import NIOSSL

/// Why a TLS handshake failed, told apart by the error's type; BoringSSL's own reason (which
/// has no type of its own) is read from its error stack.
public enum TLSFailure: Sendable, Equatable, CustomStringConvertible {
    case untrusted
    case hostnameMismatch
    /// The server answered in plain text (http on an https URL).
    case notTLS
    /// No TLS version both sides accept (the profile's tls_min_version).
    case noCommonVersion
    /// No cipher suite both sides accept.
    case noCommonSuite
    /// The server hung up during the handshake (often a version it refuses).
    case hungUp
    case other(String)

    public init?(_ error: any Error) {
        switch error {
        case let ssl as NIOSSLError:
            switch ssl {
            case .unableToValidateCertificate, .cannotMatchULabel: self = .hostnameMismatch
            case .handshakeFailed(let boring): self = TLSFailure(boring)
            case .uncleanShutdown: self = .hungUp
            default: self = .other(String(describing: ssl))
            }
        case let boring as BoringSSLError:
            self = TLSFailure(boring)
        default:
            return nil
        }
    }

    init(_ error: BoringSSLError) {
        switch error {
        case .sslError(let stack), .unknownError(let stack):
            self = Self.reason(stack)
        case .syscallError, .zeroReturn:
            self = .hungUp
        default:
            self = .other(String(describing: error))
        }
    }

    /// The first reason in the stack that says something an operator can act on.
    static func reason(_ stack: NIOBoringSSLErrorStack) -> TLSFailure {
        let reasons = stack.map(\.description)
        func has(_ name: String) -> Bool { reasons.contains { $0.contains(name) } }
        if has("CERTIFICATE_VERIFY_FAILED") { return .untrusted }
        if has("WRONG_VERSION_NUMBER") { return .notTLS }
        if has("UNSUPPORTED_PROTOCOL") || has("PROTOCOL_VERSION") { return .noCommonVersion }
        if has("NO_SHARED_CIPHER") || has("NO_CIPHERS_AVAILABLE") || has("HANDSHAKE_FAILURE") { return .noCommonSuite }
        return .other(reasons.joined(separator: "; "))
    }

    /// Failures that ingest's own policy may cause (old versions, suites without forward
    /// secrecy): worth asking the server what it offers.
    var mayBeThePolicy: Bool {
        switch self {
        case .noCommonVersion, .noCommonSuite, .hungUp: true
        default: false
        }
    }

    public var description: String { description(minimum: .v1_2) }

    /// The reason in words; `minimum` is the profile's tls_min_version, named when no version matches.
    public func description(minimum: TLSMinimumVersion) -> String {
        switch self {
        case .untrusted: "the certificate is not trusted (certificate verify failed)"
        case .hostnameMismatch: "the certificate does not match the host name"
        case .notTLS: "the server did not speak TLS (wrong version number: http vs https?)"
        case .noCommonVersion: "no TLS version in common: the server does not offer TLS \(minimum.rawValue) or later, the profile's tls_min_version"
        case .noCommonSuite: "no cipher suite in common"
        case .hungUp: "the server closed the connection during the TLS handshake (a TLS version or cipher suite it does not accept?)"
        case .other(let text): RestErrorText.scrub(text)
        }
    }
}
