import Foundation

/// How one record ended. Exactly one per record sent.
public enum Outcome: Sendable, Equatable {
    /// Kafka acknowledged it.
    case delivered(partition: Int, offset: Int64, timestamp: String?)
    /// The proxy or broker said no: it is not in Kafka.
    case failed(code: Int, message: String)
    /// Sent, never answered: it may or may not be in Kafka.
    case unknown(message: String)

    public var name: String {
        switch self {
        case .delivered: return "delivered"
        case .failed: return "failed"
        case .unknown: return "unknown"
        }
    }

    public var isDelivered: Bool { if case .delivered = self { return true } else { return false } }
}

/// Negative codes are ours: the request never reached the proxy, so nothing was produced.
public enum ClientErrorCode {
    public static let connection = -1
    public static let tls = -2
    public static let notSent = -3
}

public struct DeliveryReport: Sendable, Equatable {
    /// 1-based position in what the operator sent.
    public var seq: Int
    /// The correlation id on the wire (batch id); the seq as a string otherwise.
    public var id: String
    public var outcome: Outcome
    /// Send to report, for records that got a report.
    public var latencyMilliseconds: Double?

    public init(seq: Int, id: String? = nil, outcome: Outcome, latencyMilliseconds: Double? = nil) {
        self.seq = seq
        self.id = id ?? String(seq)
        self.outcome = outcome
        self.latencyMilliseconds = latencyMilliseconds
    }
}
