import Foundation
import IngestSandbox
import NIOCore

/// A profile made ready to use: secrets resolved, the REST client open, and the embedded
/// sandbox started when the profile asks for it. The CLI and the console open profiles only
/// through this type. Every session must be closed (the HTTP client refuses to be dropped open).
public struct ProfileSession: Sendable {
    public let profile: Profile
    public let client: RestClient
    let sandbox: SandboxServer?
    /// Problems found while resolving secrets (a secret file readable by others).
    public let warnings: [String]
    /// The embedded sandbox's Kafka password (others resolve theirs through `resolver`).
    let kafkaPassword: Secret?
    let resolver: SecretResolver?

    /// The embedded sandbox's broker (mock cluster behind its TLS + SCRAM front).
    var kafka: SandboxKafka? { sandbox?.configuration.kafka }

    /// Opens `profile`. `prompted` answers `prompt` secrets the caller already asked for (the
    /// console, with masked input); `terminalPrompt` asks for the others (the CLI at a
    /// terminal); with neither, a `prompt` secret is refused with what to do instead.
    public static func open(_ profile: Profile, environment: [String: String] = ProcessInfo.processInfo.environment,
                            prompted: PromptedSecrets = PromptedSecrets(),
                            terminalPrompt: (@Sendable (String) -> String?)? = nil,
                            readTimeout: TimeAmount = RestClient.defaultReadTimeout) async throws -> ProfileSession {
        if profile.isEmbeddedSandbox {
            return try await openSandbox(profile, environment: environment, readTimeout: readTimeout)
        }
        try profile.checkUsable()
        func answering(_ typed: String?) -> (@Sendable (String) -> String?)? {
            typed.map { secret in { @Sendable _ in secret } } ?? terminalPrompt
        }
        var resolver = SecretResolver(
            environment: environment,
            baseDirectory: URL(fileURLWithPath: profile.source).deletingLastPathComponent(),
            prompt: answering(prompted.apiKey))
        let key = try resolver.resolve(profile.apiKey, what: "the API key of profile \(profile.name)")
        resolver.prompt = answering(prompted.kafkaPassword)
        let client = try RestClient(profile: profile, apiKey: key, environment: environment, readTimeout: readTimeout)
        // Only native sends need the Kafka password: it is resolved when one is asked for.
        return ProfileSession(profile: profile, client: client, sandbox: nil, warnings: resolver.warnings, kafkaPassword: nil, resolver: resolver)
    }

    private static func openSandbox(_ profile: Profile, environment: [String: String], readTimeout: TimeAmount) async throws -> ProfileSession {
        let key = "sbx-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let settings = profile.sandbox ?? SandboxSettings()
        let topics = try settings.topics.map { try profile.fullTopic($0) }
        var configuration = SandboxServer.Configuration(apiKey: key, topics: topics, partitions: settings.partitions)
        configuration.batchMaximumEntries = profile.batchMaxEntries
        configuration.https = true
        let password = "sbx-" + UUID().uuidString.lowercased()
        configuration.kafka = try await SandboxKafka.start(topics: topics, partitions: settings.partitions, password: password)
        let sandbox = SandboxServer(configuration)
        do {
            try await sandbox.start()
            let client = try RestClient(profile: profile, apiKey: Secret(key), baseURL: sandbox.baseURL, caFile: sandbox.caFile,
                                        environment: environment, readTimeout: readTimeout)
            return ProfileSession(profile: profile, client: client, sandbox: sandbox, warnings: [], kafkaPassword: Secret(password), resolver: nil)
        } catch {
            await sandbox.stop()
            await configuration.kafka?.stop()
            throw error
        }
    }

    public func close() async {
        await client.shutdown()
        await sandbox?.stop()
        await kafka?.stop()
    }

    /// What sends through this session.
    public var sender: Sender { Sender(session: self) }

    /// The profile as a list shows it, with the address this session really uses.
    public var summary: ProfileSummary { profile.summary(baseURL: client.baseURL) }

    /// Where and how native sends connect: the profile's bootstrap list or the brokers the
    /// REST proxy names (the guide's discovery), SASL_SSL with SCRAM-SHA-512.
    public func nativeTarget() async throws -> NativeSender.Target {
        let password: Secret
        if let kafkaPassword {
            password = kafkaPassword
        } else if let reference = profile.kafka.password, var resolver {
            password = try resolver.resolve(reference, what: "the Kafka password (kafka.password) of profile \(profile.name)")
        } else {
            throw InputError("\(profile.source): kafka.password is not set: native sends need the Kafka password (env:NAME, file:PATH or prompt)")
        }
        let bootstrap = profile.kafka.bootstrap.isEmpty ? try await client.discover().brokers.map(\.description) : profile.kafka.bootstrap
        guard !bootstrap.isEmpty else { throw InputError("the proxy listed no brokers with a host and port") }
        return NativeSender.Target(bootstrap: bootstrap, username: profile.kafka.username, password: password,
                                   caFile: kafka?.caFile ?? profile.kafka.caFile, tlsMinimum: profile.tlsMinVersion,
                                   compression: profile.kafka.compression)
    }

    /// Whether native sends can log in: the embedded sandbox always can; others need a password.
    public var hasKafkaPassword: Bool { kafkaPassword != nil || profile.kafka.password != nil }
}

extension ProfileSession {
    /// Opens a profile by name (or `.toml` path) from the standard places.
    public static func open(named nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            terminalPrompt: (@Sendable (String) -> String?)? = nil) async throws -> ProfileSession {
        try await open(ProfileStore.standard(environment: environment).load(nameOrPath), environment: environment, terminalPrompt: terminalPrompt)
    }
}
