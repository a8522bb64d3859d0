/// The guide's discovery: the cluster id, then its brokers' advertised listeners.
public struct Discovery: Sendable, Equatable {
    public var clusterID: String
    public var brokers: [HostPort]

    public init(clusterID: String, brokers: [HostPort]) {
        self.clusterID = clusterID
        self.brokers = brokers
    }

    /// `host:port,host:port`, as Kafka clients take bootstrap servers.
    public var bootstrapList: String { brokers.map(\.description).joined(separator: ",") }
}

/// Why a TCP probe of a broker failed.
public enum ProbeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(seconds: Int)
    case refused
    case notHostPort(String)
    case other(String)

    public var description: String {
        switch self {
        case .timedOut(let seconds): "no answer in \(seconds) s: is this machine's IP whitelisted?"
        case .refused: "connection refused"
        case .notHostPort(let text): "\(text) is not host:port"
        case .other(let text): "cannot connect: \(text)"
        }
    }
}
