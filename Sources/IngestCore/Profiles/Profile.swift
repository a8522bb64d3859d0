import Foundation

/// A validated profile: everything needed to reach one environment, with secrets as references.
public struct Profile: Sendable, Equatable {
    public var name: String
    public var environment: DeploymentEnvironment
    public var clientID: String
    /// As written, with `{client}` still in it; `baseURL` is the resolved form.
    public var restURLTemplate: String
    public var topicPrefix: String
    public var apiKey: SecretReference
    public var batchMaxEntries: Int
    /// Single and batch sends: requests in flight at once.
    public var concurrency = Profile.defaultConcurrency
    public var tlsMinVersion: TLSMinimumVersion
    public var kafka: KafkaSettings
    public var stream: StreamSettings
    public var sandbox: SandboxSettings?
    /// Keep each record's produce request in the journal (off: only a digest and a size).
    public var journalValues = false
    /// How the console confirms production sends (`production_confirm`).
    public var productionConfirm: ProductionConfirm = .typed
    /// What one send may do (`[limits]`): records, topics, a reason, a fresh confirmation.
    public var limits = SendLimits()
    /// The file this profile was read from (or a description of its origin).
    public var source: String

    /// `embedded` means the in-process sandbox: its URL is known only once it runs.
    public var isEmbeddedSandbox: Bool { restURLTemplate == Profile.embedded }
    public static let embedded = "embedded"
    public static let defaultConcurrency = 32

    public var baseURL: String {
        restURLTemplate.replacingOccurrences(of: "{client}", with: clientID)
    }

    /// Refuses a profile that cannot be used yet (a `{client}` with no client_id).
    public func checkUsable() throws {
        if restURLTemplate.contains("{client}") && clientID.isEmpty {
            throw ProfileError(file: source, key: "client_id", problem: "is empty but rest_url contains {client}: set client_id to the id Future Anthem gave you")
        }
    }

    public func fullTopic(_ topic: String) throws -> String {
        try TopicName.full(topic, prefix: topicPrefix)
    }
}

public struct KafkaSettings: Sendable, Equatable {
    public var username: String = "producer"
    public var password: SecretReference?
    /// Empty means discover through the REST proxy.
    public var bootstrap: [String] = []
    public var caFile: String = ""
    /// How native sends compress record batches.
    public var compression: Compression = .none
    public init() {}
}

public struct SandboxSettings: Sendable, Equatable {
    public var topics: [String] = []
    public var partitions = 3
    public init() {}
}
