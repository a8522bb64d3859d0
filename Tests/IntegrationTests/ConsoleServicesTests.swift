import Foundation
import IngestConsole
import IngestCore
import IngestTUI
import Testing

/// The console's services over the core: one session per profile, whatever the timing.
@Suite struct ConsoleServicesTests {
    /// A profile directory with one dev profile whose REST client opens without any network.
    static func store() throws -> (ProfileStore, [String: String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-services-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        name = "dev"
        environment = "dev"
        rest_url = "http://127.0.0.1:9/v3"
        topic_prefix = "ing-staging-"
        api_key = "env:INGEST_TEST_SERVICES_KEY"
        """.write(to: directory.appendingPathComponent("dev.toml"), atomically: true, encoding: .utf8)
        return (ProfileStore(directories: [directory]), ["INGEST_TEST_SERVICES_KEY": "services-test-key-0001"])
    }

    /// Two activations at once (the actor is reentrant across the opening) open one session.
    @Test func concurrentActivationsOpenOneSession() async throws {
        let (store, environment) = try Self.store()
        let opened = Locked(0)
        let services = LiveConsoleServices(store: store) { profile, prompted in
            opened.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(200))
            return try await ProfileSession.open(profile, environment: environment, prompted: prompted)
        }
        async let first = services.activate(profile: "dev", prompted: PromptedSecrets())
        async let second = services.activate(profile: "dev", prompted: PromptedSecrets())
        let (a, b) = try await (first, second)
        #expect(a.name == "dev" && b.name == "dev")
        #expect(opened.value == 1)
        // Later uses of the profile reuse it too.
        _ = try await services.activate(profile: "dev", prompted: PromptedSecrets())
        #expect(opened.value == 1)
        await services.close()
    }

    /// Closing while a profile is being opened does not crash, and the profile opens again after.
    @Test func closeDuringAnActivation() async throws {
        let (store, environment) = try Self.store()
        let opened = Locked(0)
        let services = LiveConsoleServices(store: store) { profile, prompted in
            opened.withLock { $0 += 1 }
            try await Task.sleep(for: .milliseconds(200))
            return try await ProfileSession.open(profile, environment: environment, prompted: prompted)
        }
        async let activation = services.activate(profile: "dev", prompted: PromptedSecrets())
        try await Task.sleep(for: .milliseconds(50))
        await services.close()
        _ = try await activation
        _ = try await services.activate(profile: "dev", prompted: PromptedSecrets())
        #expect(opened.value == 2)
        await services.close()
    }

    /// Secrets typed again replace the session opened with the old ones (a mistyped secret
    /// must not stick); the same answers reuse it.
    @Test func newPromptedSecretsReopenTheSession() async throws {
        let (store, environment) = try Self.store()
        let answers = Locked<[PromptedSecrets]>([])
        let services = LiveConsoleServices(store: store) { profile, prompted in
            answers.withLock { $0.append(prompted) }
            return try await ProfileSession.open(profile, environment: environment, prompted: prompted)
        }
        _ = try await services.activate(profile: "dev", prompted: PromptedSecrets(apiKey: "typo-typo-typo"))
        _ = try await services.activate(profile: "dev", prompted: PromptedSecrets(apiKey: "typo-typo-typo"))
        _ = try await services.activate(profile: "dev", prompted: PromptedSecrets(apiKey: "right-right-right"))
        #expect(answers.value.map(\.apiKey) == ["typo-typo-typo", "right-right-right"])
        await services.close()
    }
}
