import Foundation
import IngestCore
import IngestSandbox
import Logging
import NIOCore

/// A profile made ready to use: secrets resolved, and the embedded sandbox started when the
/// profile asks for it.
struct Session {
    let profile: Profile
    let client: RestClient
    let sandbox: SandboxServer?
    let warnings: [String]
    /// The embedded sandbox's broker (mock cluster behind its TLS + SCRAM front).
    var kafka: SandboxKafka? { sandbox?.configuration.kafka }
    /// The embedded sandbox's Kafka password (others resolve theirs through `resolver`).
    let kafkaPassword: Secret?
    let resolver: SecretResolver?

    static func open(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Session {
        try await open(ProfileStore.standard(environment: environment).load(nameOrPath), environment: environment)
    }

    /// Every session must be closed: the HTTP client refuses to be dropped while open.
    /// `promptedSecret` and `promptedKafkaPassword` answer the API key's and the Kafka
    /// password's `prompt` references (the console asks for them with masked input).
    static func open(_ profile: Profile, environment: [String: String] = ProcessInfo.processInfo.environment, promptedSecret: String? = nil,
                     promptedKafkaPassword: String? = nil, inConsole: Bool = false, readTimeout: TimeAmount? = nil) async throws -> Session {
        let readTimeout = readTimeout ?? RestClient.defaultReadTimeout
        if profile.isEmbeddedSandbox {
            let key = "sbx-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let settings = profile.sandbox ?? SandboxSettings()
            var topics: [String] = []
            for topic in settings.topics { topics.append(try profile.fullTopic(topic)) }
            var configuration = SandboxServer.Configuration(apiKey: key, topics: topics, partitions: settings.partitions)
            configuration.batchMaximumEntries = profile.batchMaxEntries
            let password = "sbx-" + UUID().uuidString.lowercased()
            configuration.kafka = try await SandboxKafka.start(topics: topics, partitions: settings.partitions, password: password)
            let sandbox = SandboxServer(configuration)
            let client: RestClient
            do {
                try await sandbox.start()
                client = try RestClient(profile: profile, apiKey: Secret(key), baseURL: sandbox.baseURL, environment: environment, readTimeout: readTimeout)
            } catch {
                await sandbox.stop()
                await configuration.kafka?.stop()
                throw error
            }
            return Session(profile: profile, client: client, sandbox: sandbox, warnings: [], kafkaPassword: Secret(password), resolver: nil)
        }
        try profile.checkUsable()
        // In the console (`inConsole`), curses owns the terminal: only the secrets the console
        // asked for may answer, each for its own reference.
        let terminal: (@Sendable (String) -> String?)? = !inConsole && TerminalPrompt.available ? { @Sendable what in TerminalPrompt.askSecret(what) } : nil
        func answering(_ typed: String?) -> (@Sendable (String) -> String?)? {
            typed.map { secret in { @Sendable _ in secret } } ?? terminal
        }
        var resolver = SecretResolver(
            environment: environment,
            baseDirectory: URL(fileURLWithPath: profile.source).deletingLastPathComponent(),
            prompt: answering(promptedSecret))
        let key = try resolver.resolve(profile.apiKey, what: "the API key of profile \(profile.name)")
        resolver.prompt = answering(promptedKafkaPassword)
        let client = try RestClient(profile: profile, apiKey: key, environment: environment, readTimeout: readTimeout)
        // Only native sends need the Kafka password: it is resolved when one is asked for.
        return Session(profile: profile, client: client, sandbox: nil, warnings: resolver.warnings, kafkaPassword: nil, resolver: resolver)
    }

    func close() async {
        await client.shutdown()
        await sandbox?.stop()
        await kafka?.stop()
    }

    /// Where and how native sends connect: the profile's bootstrap list or the brokers the
    /// REST proxy names (the guide's discovery), SASL_SSL with SCRAM-SHA-512.
    func nativeTarget() async throws -> NativeSender.Target {
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
                                   caFile: kafka?.caFile ?? profile.kafka.caFile, tlsMinimum: profile.tlsMinVersion)
    }
}

/// Masked input from the controlling terminal.
enum TerminalPrompt {
    static var available: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }

    static func askSecret(_ what: String) -> String? {
        Output.error("Enter \(what) (input hidden): ")
        var settings = termios()
        tcgetattr(STDIN_FILENO, &settings)
        var hidden = settings
        hidden.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &hidden)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            Output.error("")
        }
        return readLine(strippingNewline: true)
    }

    static func ask(_ question: String) -> String? {
        Output.error(question)
        return readLine(strippingNewline: true)
    }
}
