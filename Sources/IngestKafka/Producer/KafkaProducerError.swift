import NIOCore
import NIOPosix
import NIOSSL

/// Errors that stop the producer from starting or a topic from being used. Messages say
/// what to do; none of them contains a password.
public enum KafkaProducerError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case noBrokerReachable(attempts: [String])
    case authenticationFailed(username: String, mechanism: String, detail: String)
    case tlsFailed(address: String, detail: String)
    case unknownTopic(String)
    case topicAuthorizationFailed(String)
    case brokerError(String)
    case closed

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            "invalid Kafka configuration: \(message)"
        case .noBrokerReachable(let attempts):
            "no Kafka broker reachable; tried:\n"
                + attempts.map { "  - \($0)" }.joined(separator: "\n")
                + (attempts.allSatisfy { $0.contains(KafkaErrorDescription.unresolvable) }
                    ? "\nno broker name resolves: check the bootstrap servers (kafka.bootstrap, or the proxy's broker list) and your DNS / VPN"
                    : "\nthe brokers only accept whitelisted source IPs: check that this machine's public IP was shared with Future Anthem")
        case .authenticationFailed(let username, let mechanism, let detail):
            "authentication failed for user \(username): check the profile's kafka.password (\(mechanism): \(detail))"
        case .tlsFailed(let address, let detail):
            "TLS with \(address) failed: \(detail)"
        case .unknownTopic(let topic):
            "topic \(topic) does not exist: topics are created by the platform, ask Future Anthem for it"
        case .topicAuthorizationFailed(let topic):
            "not allowed to write to topic \(topic): ask Future Anthem to grant the producer user access"
        case .brokerError(let message):
            message
        case .closed:
            "the producer is closed"
        }
    }
}

enum KafkaErrorDescription {
    /// Turns NIO / NIOSSL errors into a sentence naming the check that failed.
    static func describe(_ error: Error) -> String {
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let inner):
                let text = String(describing: inner)
                if isCertificateFailure(inner) {
                    return "certificate verification failed: the broker's certificate is not signed by a trusted CA (\(text))"
                }
                return "TLS handshake failed: \(text)"
            case .uncleanShutdown:
                return "the peer closed the TLS connection abruptly"
            default:
                return "TLS error: \(error)"
            }
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "hostname verification failed: the broker's certificate does not name the host we connected to"
        }
        if let error = error as? NIOConnectionError, error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
            return "\(unresolvable) \(error.host) (\(resolverReason(error.dnsAError ?? error.dnsAAAAError!)))"
        }
        if let error = error as? SocketAddressError, case .unknown(let host, _) = error {
            return "\(unresolvable) \(host)"
        }
        if let error = error as? KafkaConnectionError { return error.message }
        if let error = error as? KafkaProtocolError { return error.description }
        if let error = error as? IOError { return error.description }
        return String(describing: error)
    }

    static let unresolvable = "cannot resolve"

    /// BoringSSL's certificate check failed. swift-nio-ssl keeps BoringSSL's error code
    /// private and shows it only in the error's text, so this one check reads the text.
    static func isCertificateFailure(_ error: BoringSSLError) -> Bool {
        String(describing: error).contains("CERTIFICATE_VERIFY_FAILED")
    }

    /// The handshake itself was refused (no common version or cipher suite), as opposed to
    /// a certificate the client did not trust or a peer that hung up.
    static func isHandshakeRefusal(_ error: Error) -> Bool {
        guard let error = error as? NIOSSLError, case .handshakeFailed(let inner) = error else { return false }
        if case .sslError(let stack) = inner, stack.contains(.eofDuringHandshake) { return false }
        return !isCertificateFailure(inner)
    }

    /// What this client accepts, said when a broker's TLS handshake is refused.
    static func tlsOffer(minimum: KafkaProducerConfiguration.TLS.MinimumVersion) -> String {
        switch minimum {
        case .tls13:
            "this client requires TLS 1.3 (tls_min_version = 1.3): a broker offering at most TLS 1.2 is refused"
        case .tls12:
            "this client accepts TLS 1.3, or TLS 1.2 with forward secrecy only (ECDHE cipher suites): a broker offering neither is refused"
        }
    }

    private static func resolverReason(_ error: Error) -> String {
        let text = String(describing: error)
        if let colon = text.range(of: ": ") { return String(text[colon.upperBound...]).components(separatedBy: " for host").first ?? text }
        return text
    }

    /// A TLS failure that another address of the cluster would meet too (trust, versions).
    /// A peer that hangs up during the handshake is a connection problem, not one of TLS.
    static func isTLS(_ error: Error) -> Bool {
        if let error = error as? NIOSSLError {
            switch error {
            case .uncleanShutdown: return false
            case .handshakeFailed(.sslError(let stack)) where stack.contains(.eofDuringHandshake): return false
            default: return true
            }
        }
        return error is NIOSSLExtraError
    }
}
