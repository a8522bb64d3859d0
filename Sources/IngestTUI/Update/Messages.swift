/// A failure from a service, as the message shown to the operator.
public struct ServiceFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything that can happen to the console: keys, resizes, time, and service results.
public enum Msg: Equatable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case tick(now: Double)
    case profilesLoaded([ProfileSummary])
    case activated(profile: String, Result<ProfileSummary, ServiceFailure>)
    case topicResolved(topic: String, profile: String, Result<String, ServiceFailure>)
    case validated(revision: Int, ValidationResult)
    case previewed(revision: Int, String)
    case sendEvents(id: Int, [SendEvent], now: Double)
    case sendEnded(id: Int)
    case discovered(profile: String, Result<Discovery, ServiceFailure>)
    case probed(hostPort: String, Result<Double, ProbeError>)
    case fileLoaded(path: String, Result<LoadedFile, ServiceFailure>)
    case completions(prefix: String, [String])
    case doctorStep(run: Int, DoctorStep)
    case doctorEnded(run: Int)
    case themeProblem(String)
}

public struct LoadedFile: Equatable, Sendable {
    public var count: Int
    public var first: [ComposedEvent]
    public init(count: Int, first: [ComposedEvent]) {
        self.count = count
        self.first = first
    }
}

/// What `update` asks the runtime to do. Returned as values; tests assert on them.
public enum Effect: Equatable, Sendable {
    case loadProfiles
    case activate(profile: String, prompted: PromptedSecrets)
    case resolveTopic(topic: String, profile: String)
    case validate(revision: Int, ComposedEvent)
    case preview(revision: Int, ComposedEvent)
    case send(SendRequest)
    case cancelSend(id: Int)
    case discover(profile: String)
    case probe(hostPort: String)
    case loadFile(path: String, limit: Int)
    case completePath(String)
    case copyToClipboard(String)
    case doctor(run: Int, profile: String, topic: String?)
    case cancelDoctor(run: Int)
    case quit
}
