/// Which platform a profile reaches.
public enum DeploymentEnvironment: String, Sendable, CaseIterable {
    case sandbox, dev, production
}

public enum TLSMinimumVersion: String, Sendable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}

/// How production sends are confirmed (`production_confirm` in a profile).
public enum ProductionConfirm: String, Sendable, CaseIterable {
    /// Every send needs the full topic typed back.
    case typed
    /// As `typed`, except that a single record to a topic already typed back in the session
    /// asks y/N (default No).
    case typedFirst = "typed-first"
}

/// A profile as a list shows it: where it points, its secrets masked, and what is wrong with it.
public struct ProfileSummary: Sendable, Equatable {
    public var name: String
    public var environment: DeploymentEnvironment
    /// The file it came from.
    public var source: String
    public var topicPrefix: String
    public var baseURL: String
    public var maskedAPIKey: String
    /// `api_key = "prompt"`: asked with masked input when the profile is activated.
    public var needsPromptedSecret: Bool
    /// `kafka.password = "prompt"`: asked after the API key, for native sends.
    public var needsPromptedKafkaPassword: Bool
    public var problem: String?
    /// A topic to start with (the sandbox's first topic); never given for production.
    public var suggestedTopic: String?
    /// How production sends are confirmed.
    public var productionConfirm: ProductionConfirm
    /// What one send may do (`[limits]`): the console holds to them as `ingest send` does.
    public var limits: SendLimits

    public init(
        name: String, environment: DeploymentEnvironment, source: String, topicPrefix: String,
        baseURL: String, maskedAPIKey: String, needsPromptedSecret: Bool, needsPromptedKafkaPassword: Bool = false,
        problem: String? = nil, suggestedTopic: String? = nil, productionConfirm: ProductionConfirm = .typed,
        limits: SendLimits = SendLimits()
    ) {
        self.productionConfirm = productionConfirm
        self.limits = limits
        self.suggestedTopic = environment == .production ? nil : suggestedTopic
        self.name = name
        self.environment = environment
        self.source = source
        self.topicPrefix = topicPrefix
        self.baseURL = baseURL
        self.maskedAPIKey = maskedAPIKey
        self.needsPromptedSecret = needsPromptedSecret
        self.needsPromptedKafkaPassword = needsPromptedKafkaPassword
        self.problem = problem
    }

    /// The full topic name for what the operator typed, under this profile's prefix.
    public func fullTopic(_ topic: String) throws -> String {
        try TopicName.full(topic, prefix: topicPrefix)
    }
}

/// A secret a profile says `prompt` for.
public enum PromptedSecret: Equatable, Sendable {
    case apiKey, kafkaPassword

    /// What it is called on screen.
    public var title: String { self == .apiKey ? "API key" : "Kafka password" }
    /// Its setting in a profile.
    public var setting: String { self == .apiKey ? "api_key" : "kafka.password" }
}

/// What the operator typed in for a profile's `prompt` secrets; kept in memory only.
public struct PromptedSecrets: Equatable, Sendable {
    public var apiKey: String?
    public var kafkaPassword: String?

    public init(apiKey: String? = nil, kafkaPassword: String? = nil) {
        self.apiKey = apiKey
        self.kafkaPassword = kafkaPassword
    }

    public subscript(_ secret: PromptedSecret) -> String? {
        get { secret == .apiKey ? apiKey : kafkaPassword }
        set { if secret == .apiKey { apiKey = newValue } else { kafkaPassword = newValue } }
    }

    public var isEmpty: Bool { apiKey == nil && kafkaPassword == nil }
}
