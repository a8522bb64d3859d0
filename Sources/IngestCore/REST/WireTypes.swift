import Foundation

/// Bodies of the REST Proxy v3, decoded leniently: unknown fields are ignored, as newer
/// proxies add them.
public enum Wire {
    public struct Related: Decodable, Sendable, Equatable { public var related: String }

    public struct Cluster: Decodable, Sendable, Equatable {
        public var cluster_id: String
        public var brokers: Related?
    }

    public struct ClusterList: Decodable, Sendable { public var data: [Cluster] }

    public struct Broker: Decodable, Sendable, Equatable {
        public var broker_id: Int
        public var host: String?
        public var port: Int?
        public var rack: String?
    }

    public struct BrokerList: Decodable, Sendable { public var data: [Broker] }

    /// A delivery report; also the shape of HTTP-level error bodies.
    public struct Report: Decodable, Sendable, Equatable {
        public var error_code: Int?
        public var message: String?
        public var partition_id: Int?
        public var offset: Int64?
        public var timestamp: String?
    }

    public struct BatchSuccess: Decodable, Sendable {
        public var id: String
        public var partition_id: Int?
        public var offset: Int64?
        public var timestamp: String?
    }

    public struct BatchFailure: Decodable, Sendable {
        public var id: String
        public var error_code: Int
        public var message: String?
    }

    public struct BatchResponse: Decodable, Sendable {
        public var successes: [BatchSuccess]
        public var failures: [BatchFailure]
    }

    /// The gateway's own answers: `{"message":"Forbidden"}`.
    public struct GatewayMessage: Decodable, Sendable { public var message: String? }
}

extension Wire.Report {
    /// The outcome a report stands for. A success without an offset cannot be checked,
    /// so it is not counted as delivered.
    public var outcome: Outcome {
        guard let code = error_code else {
            return .unknown(message: "unreadable delivery report: no error_code")
        }
        if code == 200 {
            guard let partition = partition_id, let offset = offset else {
                return .unknown(message: "the proxy reported success without a partition and offset")
            }
            return .delivered(partition: partition, offset: offset, timestamp: timestamp)
        }
        return .failed(code: code, message: RestErrorText.explain(code: code, message: message))
    }

    static func decode(_ bytes: [UInt8]) -> Wire.Report? {
        try? JSONDecoder().decode(Wire.Report.self, from: Data(bytes))
    }
}

extension Wire.Report {
    /// The outcome, with advice that names the topic for the codes that concern it.
    func outcomeNamingTopic(_ topic: String) -> Outcome {
        if case .failed(let code, _) = outcome {
            return .failed(code: code, message: RestErrorText.explain(code: code, message: message, topic: topic))
        }
        return outcome
    }
}
