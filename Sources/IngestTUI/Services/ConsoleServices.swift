// The boundary between the console and the ingestion core.
// The console defines it; the core is adapted to it (IngestTUI never imports IngestCore).

public enum ConsoleEnvironment: String, Sendable { case sandbox, dev, production }

public struct ProfileSummary: Sendable, Equatable {
    public var name: String
    public var environment: ConsoleEnvironment
    public var source: String
    public var topicPrefix: String
    public var baseURL: String
    public var maskedAPIKey: String
    /// `api_key = "prompt"`: the console asks for it with masked input.
    public var needsPromptedSecret: Bool
    /// `kafka.password = "prompt"`: asked after the API key, for native sends.
    public var needsPromptedKafkaPassword: Bool
    public var problem: String?
    /// A topic to start with (the sandbox's first topic); never given for production.
    public var suggestedTopic: String?

    public init(
        name: String, environment: ConsoleEnvironment, source: String, topicPrefix: String,
        baseURL: String, maskedAPIKey: String, needsPromptedSecret: Bool, needsPromptedKafkaPassword: Bool = false,
        problem: String? = nil, suggestedTopic: String? = nil
    ) {
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
}

/// A secret a profile says `prompt` for.
public enum PromptedSecret: Equatable, Sendable {
    case apiKey, kafkaPassword

    /// What it is called on screen.
    var title: String { self == .apiKey ? "API key" : "Kafka password" }
    /// Its setting in a profile.
    var setting: String { self == .apiKey ? "api_key" : "kafka.password" }
}

/// What the operator typed in for a profile's `prompt` secrets; kept in memory only.
public struct PromptedSecrets: Equatable, Sendable {
    public var apiKey: String?
    public var kafkaPassword: String?

    public init(apiKey: String? = nil, kafkaPassword: String? = nil) {
        self.apiKey = apiKey
        self.kafkaPassword = kafkaPassword
    }

    subscript(_ secret: PromptedSecret) -> String? {
        get { secret == .apiKey ? apiKey : kafkaPassword }
        set { if secret == .apiKey { apiKey = newValue } else { kafkaPassword = newValue } }
    }
}

public enum EventValueType: String, Sendable, CaseIterable { case string = "STRING", json = "JSON", binary = "BINARY" }

public struct Header: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct ComposedEvent: Sendable, Equatable {
    public var valueType: EventValueType
    public var value: String
    public var key: String?
    public var headers: [Header]
    public var partition: Int?

    public init(valueType: EventValueType, value: String, key: String? = nil, headers: [Header] = [], partition: Int? = nil) {
        self.valueType = valueType
        self.value = value
        self.key = key
        self.headers = headers
        self.partition = partition
    }
}

public enum ValidationResult: Sendable, Equatable { case ok, invalid(line: Int, column: Int, message: String) }

public enum SendMode: Sendable, Equatable { case single, batch, stream(count: Int, ratePerSecond: Double?, window: Int), native }

public enum Outcome: String, Sendable { case delivered, failed, unknown }

public struct ReportRow: Sendable, Equatable {
    public var seq: Int
    public var outcome: Outcome
    public var partition: Int?
    public var offset: Int64?
    public var timestamp: String?
    public var latencyMs: Double?
    public var errorCode: Int?
    public var message: String?
    /// The record as sent, JSON.
    public var request: String

    public init(
        seq: Int, outcome: Outcome, partition: Int? = nil, offset: Int64? = nil, timestamp: String? = nil,
        latencyMs: Double? = nil, errorCode: Int? = nil, message: String? = nil, request: String
    ) {
        self.seq = seq
        self.outcome = outcome
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.latencyMs = latencyMs
        self.errorCode = errorCode
        self.message = message
        self.request = request
    }
}

public enum SendEvent: Sendable, Equatable {
    case report(ReportRow)
    case progress(inFlight: Int)
    case finished(delivered: Int, failed: Int, unknown: Int)
    case error(String)
}

/// What a send takes its records from.
public enum EventSource: Sendable, Equatable {
    /// The composed event, `count` times (templates expanded per record).
    case composed(ComposedEvent, count: Int)
    /// A file of records (the Load view's path).
    case file(path: String)
    /// Records from an earlier send, re-sent as they were (`ReportRow.request`).
    case resend([ReportRow])
}

public struct Discovery: Sendable, Equatable {
    public var clusterID: String
    /// host:port
    public var brokers: [String]
    public init(clusterID: String, brokers: [String]) {
        self.clusterID = clusterID
        self.brokers = brokers
    }
}

public struct ProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One check of the connection doctor (the core's DoctorCheck, as the console sees it).
/// Never carries a secret: details name references (`env:NAME`) and masks, not values.
public struct DoctorStep: Sendable, Equatable {
    public enum Status: String, Sendable { case pass, fail, skip }
    public var name: String
    public var status: Status
    public var detail: String
    /// What to do, on failure.
    public var advice: String?

    public init(name: String, status: Status, detail: String, advice: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.advice = advice
    }
}

public protocol ConsoleServices: Sendable {
    func profiles() async -> [ProfileSummary]
    /// Errors are user-facing messages (the error's description is shown).
    func activate(profile: String, prompted: PromptedSecrets) async throws -> ProfileSummary
    /// Adds the profile's prefix and validates the name.
    func fullTopic(_ topic: String, profile: String) throws -> String
    func validate(_ event: ComposedEvent) -> ValidationResult
    /// Templates ({{uuid}}, {{seq}}, ...) expanded as they will be sent.
    func preview(_ event: ComposedEvent, seq: Int) -> String
    func loadFile(path: String, limit: Int) async throws -> (count: Int, first: [ComposedEvent])
    func completePath(_ prefix: String) -> [String]
    func discover(profile: String) async throws -> Discovery
    /// Round-trip time in milliseconds.
    func probe(hostPort: String) async -> Result<Double, ProbeError>
    /// Cancelling the consuming task stops the send.
    func send(profile: String, topic: String, events: EventSource, mode: SendMode) -> AsyncStream<SendEvent>
    /// The connection doctor on the profile's session, each check as it completes; stops at the
    /// first failure (the rest come as `skip`). `topic` (full name) is checked when given.
    /// Cancelling the consuming task stops the checks.
    func doctor(profile: String, topic: String?) -> AsyncStream<DoctorStep>
}
