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
                if text.contains("CERTIFICATE_VERIFY_FAILED") {
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

    /// The peer and we share no TLS version (BoringSSL's protocol_version alert or check).
    static func isVersionMismatch(_ error: Error) -> Bool {
        let text = String(describing: error)
        return error is NIOSSLError && (text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL"))
    }

    /// Names the minimum we asked for, and where an operator sets it.
    static func versionMismatch(_ security: KafkaProducerConfiguration.Security) -> String {
        let minimum: String
        switch security {
        case .ssl(let tls), .saslSSL(_, _, _, let tls): minimum = tls.minimumVersion == .tls13 ? "1.3" : "1.2"
        case .plaintext: minimum = "1.2"
        }
        return "no TLS version in common: the broker does not offer TLS \(minimum) or later, the minimum asked for (tls_min_version)"
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
            case .handshakeFailed(let inner) where String(describing: inner).contains("EOF during handshake"): return false
            default: return true
            }
        }
        return error is NIOSSLExtraError
    }
}
