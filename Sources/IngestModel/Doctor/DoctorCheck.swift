/// The connection doctor's checks, in the order a connection is built.
public enum DoctorCheckID: String, Sendable, CaseIterable, Equatable {
    case profile, dns, tcp, tls, apiKey, cluster, brokers, brokerReach, kafkaLogin, topic

    /// What `ingest doctor` and the console call the check.
    public var title: String {
        switch self {
        case .profile: "profile and secrets"
        case .dns: "DNS"
        case .tcp: "TCP"
        case .tls: "TLS"
        case .apiKey: "API key"
        case .cluster: "cluster"
        case .brokers: "brokers"
        case .brokerReach: "broker reach"
        case .kafkaLogin: "Kafka login"
        case .topic: "topic"
        }
    }

    /// The checks after this one, which are skipped when it fails.
    public var following: ArraySlice<DoctorCheckID> {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1)...]
    }
}

/// One check of the connection doctor. Never carries a secret: details name references
/// (`env:NAME`) and masks, not values.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable { case pass, fail, skip }

    /// Why a check was skipped, when the reason matters to whoever shows it.
    public enum SkipReason: Sendable, Equatable {
        /// An earlier check failed.
        case earlierFailure
        /// No topic was given to check.
        case noTopic
        /// Nothing to check with (plain http on loopback, no Kafka password).
        case notApplicable
    }

    public var id: DoctorCheckID
    public var status: Status
    public var detail: String
    /// What to do, on failure.
    public var advice: String?
    public var skipReason: SkipReason?

    public init(_ id: DoctorCheckID, status: Status, detail: String, advice: String? = nil, skipReason: SkipReason? = nil) {
        self.id = id
        self.status = status
        self.detail = detail
        self.advice = advice
        self.skipReason = status == .skip ? (skipReason ?? .notApplicable) : nil
    }

    public var name: String { id.title }

    public static func skipped(_ id: DoctorCheckID) -> DoctorCheck {
        DoctorCheck(id, status: .skip, detail: "not run: an earlier check failed", skipReason: .earlierFailure)
    }

    public var jsonLine: String {
        var fields = ["\"check\":\(RecordEncoding.jsonString(name))", "\"status\":\"\(status.rawValue)\"", "\"detail\":\(RecordEncoding.jsonString(detail))"]
        if let advice { fields.append("\"advice\":\(RecordEncoding.jsonString(advice))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
