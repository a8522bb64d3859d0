/// Raised when bytes from a peer do not form a valid Kafka message. Decoding never traps:
/// every malformed input ends here with a description of what was wrong.
public struct KafkaProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "malformed Kafka message: \(message)" }

    static func truncated(_ what: String, need: Int, have: Int) -> KafkaProtocolError {
        KafkaProtocolError("truncated \(what): needs \(need) bytes, \(have) left")
    }
}
