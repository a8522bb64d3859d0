import Foundation

/// A "not now" from the server: the records it names were not stored and may be sent again.
/// Everything else a server says is final (delivered, failed) or leaves the outcome unknown.
public struct Refusal: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Over a rate: the gateway's usage plan or the proxy's rate limiter (429, 42901).
        case throttled
        /// The service is unavailable for the moment (503).
        case unavailable
        /// The stream was open longer than the proxy allows (408 per record): send again in a new request.
        case streamExpired
    }

    public var kind: Kind
    /// How long the server asked to wait (Retry-After), if it said.
    public var retryAfter: Duration?
    /// What the server said, for the record's outcome if it is never accepted.
    public var code: Int
    public var message: String

    public init(kind: Kind, retryAfter: Duration? = nil, code: Int, message: String) {
        self.kind = kind
        self.retryAfter = retryAfter
        self.code = code
        self.message = message
    }

    /// A whole request refused before the proxy produced anything: 429 and 503, whoever sent them.
    public static func request(status: Int, retryAfter: String?, code: Int, message: String) -> Refusal? {
        switch status {
        case 429: Refusal(kind: .throttled, retryAfter: parseRetryAfter(retryAfter), code: code, message: message)
        case 503: Refusal(kind: .unavailable, retryAfter: parseRetryAfter(retryAfter), code: code, message: message)
        default: nil
        }
    }

    /// One record refused inside an answer (a stream's report, a batch entry, a single's body).
    public static func record(code: Int, message: String) -> Refusal? {
        switch code {
        case 429, 42901: Refusal(kind: .throttled, code: code, message: message)
        case 408: Refusal(kind: .streamExpired, code: code, message: message)
        default: nil
        }
    }

    /// `Retry-After` in seconds (an HTTP date is rare from gateways and treated as absent).
    public static func parseRetryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds < 3600 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The outcome of a record the server kept refusing until the delivery timeout.
    public var finalOutcome: Outcome {
        .failed(code: code, message: "\(message) (refused until the delivery timeout; never stored)")
    }
}
