import Foundation
import IngestConsole
import IngestSandbox
import IngestTUI
import Testing
import TestSupport
@testable import IngestCore

/// Issue 15's console parts over the real core: the console's saved sends are the files
/// `ingest send --saved` reads, its "copy as curl" is what `--print curl` prints (and stores
/// the record when run), and a send's reason reaches the journal.
@Suite(.serialized) struct ConsoleWorkflowServicesTests {
    static let apiKey = "workflow-console-key-00001"

    struct Rig {
        let server: SandboxServer
        let workspace: Workspace
        let profile: String
        let services: LiveConsoleServices
        var sends: URL { workspace.root.appendingPathComponent("sends") }
        var environment: [String: String] { ["WFC_KEY": ConsoleWorkflowServicesTests.apiKey] }
    }

    static func rig() async throws -> Rig {
        let server = SandboxServer(.init(apiKey: apiKey, topics: ["ing-staging-events"], partitions: 2))
        try await server.start()
        let workspace = try Workspace("console-workflow")
        let profile = try workspace.profile("rehearse", """
            name = "rehearse"
            environment = "dev"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-staging-"
            api_key = "env:WFC_KEY"
            """)
        let environment = ["WFC_KEY": apiKey]
        let services = LiveConsoleServices(store: ProfileStore(directories: [workspace.profiles]), stateDirectory: workspace.state.path,
                                           sends: SavedSendStore(directory: workspace.root.appendingPathComponent("sends"))) { profile, prompted in
            try await ProfileSession.open(profile, environment: environment, prompted: prompted)
        }
        return Rig(server: server, workspace: workspace, profile: profile, services: services)
    }

    /// Saved from the console, sent by `ingest send --saved`; listed back with a bad file's
    /// key named; a name in use is not overwritten unless asked.
    @Test func savedSendsAreTheFilesOfIngestSendSaved() async throws {
        let rig = try await Self.rig()
        let send = SavedSend(topic: "events", key: "k-{{seq}}", headers: [HeaderTemplate(name: "trace", value: "console")],
                             mode: .rest(.batch), count: 4, data: "{\"from\": \"console\", \"n\": {{seq}}}")
        let saved = try await rig.services.saveSend(send, name: "four", replace: false)
        #expect(saved == .saved(path: rig.sends.appendingPathComponent("four.toml").path))
        #expect(try SavedSendStore(directory: rig.sends).load("four") == send)
        #expect(try await rig.services.saveSend(SavedSend(data: "{}"), name: "four", replace: false) == .exists(path: rig.sends.appendingPathComponent("four.toml").path))
        #expect(try SavedSendStore(directory: rig.sends).load("four") == send, "an existing send was overwritten")

        let run = try await rig.workspace.run(["send", "--saved", "four", "--sends", rig.sends.path, "--profile", rig.profile], environment: rig.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(rig.server.log.count(topic: "ing-staging-events") == 4)
        #expect(rig.server.log.records(topic: "ing-staging-events").allSatisfy { String(decoding: $0.record.value ?? [], as: UTF8.self).contains("console") })

        // A file path typed in Load is kept whole; a bad file is listed with its key.
        _ = try await rig.services.saveSend(SavedSend(topic: "events", file: "~/events.jsonl"), name: "file", replace: false)
        #expect(try SavedSendStore(directory: rig.sends).load("file").file == (NSString("~/events.jsonl").expandingTildeInPath as String))
        try "topic = \"events\"\nmode = \"strem\"\ndata = \"{}\"\n".write(to: rig.sends.appendingPathComponent("typo.toml"), atomically: true, encoding: .utf8)
        let list = await rig.services.savedSends()
        #expect(list.directory == rig.sends.path)
        #expect(list.items.map(\.name) == ["file", "four", "typo"])
        guard case .failure(let problem)? = list.items.last?.result else {
            Issue.record("the bad file is listed as usable")
            return
        }
        #expect(problem.message.contains("typo.toml: mode: expected single, batch, stream or native"), "\(problem)")
        await rig.services.close()
        await rig.server.stop()
    }

    /// The console's curl copy is `ingest send --print curl`'s text for the same send, holds
    /// no secret, and run by sh stores the records.
    @Test func copyAsCurlIsWhatPrintCurlPrints() async throws {
        let rig = try await Self.rig()
        let data = "{\"via\": \"copied curl\", \"n\": {{seq}}}"
        let plan = SendPlan(topic: "ing-staging-events", source: .template(EventTemplate(value: data, key: "k{{seq}}"), count: 2),
                            transport: .rest(.single), options: SendOptions())
        let copied = try await rig.services.copyAs(.curl, profile: "rehearse", plan: plan)
        let printed = try await rig.workspace.run(["send", "--profile", rig.profile, "--topic", "events", "--data", data, "--key", "k{{seq}}",
                                                   "--count", "2", "--print", "curl"], environment: rig.environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(copied == printed.stdout)
        #expect(copied.contains("\"x-api-key: $WFC_KEY\"") && !copied.contains(Self.apiKey))
        #expect(rig.server.log.count(topic: "ing-staging-events") == 0, "copying sent something")

        let ran = try await ChildProcess.run("/bin/sh", ["-c", copied], environment: rig.workspace.environment(rig.environment), timeout: .seconds(30))
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(rig.server.log.count(topic: "ing-staging-events") == 2)

        // producer.properties: the guide's settings, the brokers found through the proxy.
        let properties = try await rig.services.copyAs(.properties, profile: "rehearse", plan: plan)
        #expect(properties.contains("security.protocol=SASL_SSL") && properties.contains("sasl.mechanism=SCRAM-SHA-512"))
        await rig.services.close()
        await rig.server.stop()
    }

    /// The reason asked by a profile with `require_reason` is journaled with the run.
    @Test func theReasonIsJournaled() async throws {
        let rig = try await Self.rig()
        let plan = SendPlan(topic: "ing-staging-events", source: .template(EventTemplate(value: "{\"n\": {{seq}}}"), count: 3), transport: .rest(.stream))
        var finished = false
        for await event in rig.services.send(id: 1, profile: "rehearse", plan: plan, reason: "INC-31: console rehearsal") {
            if case .finished(let delivered, _, _, _) = event { finished = delivered == 3 }
        }
        #expect(finished)
        let runs = try JournalStore(directory: rig.workspace.state.path).runs()
        #expect(runs.map(\.info.reason) == ["INC-31: console rehearsal"])
        let history = try await rig.services.history(limit: 10)
        #expect(history.first?.reason == "INC-31: console rehearsal")
        await rig.services.close()
        await rig.server.stop()
    }
}
