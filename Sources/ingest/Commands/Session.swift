import Foundation
import IngestCore
import IngestSandbox
import Logging

/// A profile made ready to use: secrets resolved, and the embedded sandbox started when the
/// profile asks for it.
struct Session {
    let profile: Profile
    let client: RestClient
    let sandbox: SandboxServer?
    let warnings: [String]

    static func open(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Session {
        try await open(ProfileStore.standard(environment: environment).load(nameOrPath), environment: environment)
    }

    /// Every session must be closed: the HTTP client refuses to be dropped while open.
    /// `promptedSecret` answers a `prompt` reference (the console asks for it with masked input).
    static func open(_ profile: Profile, environment: [String: String] = ProcessInfo.processInfo.environment, promptedSecret: String? = nil) async throws -> Session {
        if profile.isEmbeddedSandbox {
            let key = "sbx-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let settings = profile.sandbox ?? SandboxSettings()
            var topics: [String] = []
            for topic in settings.topics { topics.append(try profile.fullTopic(topic)) }
            var configuration = SandboxServer.Configuration(apiKey: key, topics: topics, partitions: settings.partitions)
            configuration.batchMaximumEntries = profile.batchMaxEntries
            let sandbox = SandboxServer(configuration)
            try await sandbox.start()
            let client: RestClient
            do {
                client = try RestClient(profile: profile, apiKey: Secret(key), baseURL: sandbox.baseURL, environment: environment)
            } catch {
                await sandbox.stop()
                throw error
            }
            return Session(profile: profile, client: client, sandbox: sandbox, warnings: [])
        }
        try profile.checkUsable()
        let prompt: (@Sendable (String) -> String?)?
        if let promptedSecret {
            prompt = { @Sendable _ in promptedSecret }
        } else {
            prompt = TerminalPrompt.available ? { @Sendable what in TerminalPrompt.askSecret(what) } : nil
        }
        var resolver = SecretResolver(
            environment: environment,
            baseDirectory: URL(fileURLWithPath: profile.source).deletingLastPathComponent(),
            prompt: prompt)
        let key = try resolver.resolve(profile.apiKey, what: "the API key of profile \(profile.name)")
        let client = try RestClient(profile: profile, apiKey: key, environment: environment)
        return Session(profile: profile, client: client, sandbox: nil, warnings: resolver.warnings)
    }

    func close() async {
        await client.shutdown()
        await sandbox?.stop()
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
