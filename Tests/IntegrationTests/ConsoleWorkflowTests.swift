import Foundation
import IngestSandbox
import Testing
import TestSupport
@testable import IngestCore

/// Issue 15 in the real console (tmux), against a sandbox on loopback: a send saved by name
/// and loaded back, copied as curl (tmux's buffer) and run by sh, sent with the reason the
/// profile requires (found in the journal), a curl command pasted in, and a limit refusing.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ConsoleWorkflowTests {
    let e2e = ConsoleEndToEndTests()
    static let apiKey = "workflow-tmux-key-000000001"

    @Test(.timeLimit(.minutes(3)))
    func saveLoadCopyImportAndAReason() async throws {
        let server = SandboxServer(.init(apiKey: Self.apiKey, topics: ["ing-staging-events", "ing-staging-players"], partitions: 2))
        try await server.start()
        let workspace = try Workspace("console-workflow")
        let profile = try workspace.profile("careful", """
            name = "careful"
            environment = "dev"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-staging-"
            api_key = "env:CAREFUL_KEY"
            [limits]
            require_reason = true
            max_records_per_send = 5
            allowed_topics = ["events"]
            """)
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let environment = workspace.environment(["CAREFUL_KEY": Self.apiKey])
        #expect(session.start(e2e.command("--profile \(profile)"), environment: environment).status == 0)
        _ = await e2e.waitFor(session) { $0.contains("profile careful active") }
        session.typeTopic("events")
        _ = await e2e.waitFor(session) { $0.contains("topic ing-staging-events") }

        // Saved by name: the file `ingest send --saved` reads.
        session.keys("w")
        _ = await e2e.waitFor(session, 5) { $0.contains("Save this send by name") }
        session.type("morning-check")
        session.keys("Enter")
        let saved = await e2e.waitFor(session) { $0.contains("saved morning-check:") }
        #expect(saved.ok, "\(saved.screen)")
        let file = workspace.root.appendingPathComponent("config/ingest/sends/morning-check.toml")
        #expect(try SavedSendStore.read(file).data == "{\"playerId\": \"{{uuid}}\", \"seq\": {{seq}}}")

        // Copied as curl into tmux's buffer; run by sh, it stores the record.
        session.keys("c")
        _ = await e2e.waitFor(session, 5) { $0.contains("Copy this send as") }
        session.keys("c")
        let copied = await e2e.waitFor(session) { $0.contains("copied to the tmux paste buffer") }
        #expect(copied.ok, "\(copied.screen)")
        let curl = session.run(["show-buffer"]).output
        #expect(curl.hasPrefix("curl --location") && curl.contains("$CAREFUL_KEY") && !curl.contains(Self.apiKey), "\(curl)")
        #expect(server.log.count(topic: "ing-staging-events") == 0, "copying sent")
        let ran = try await ChildProcess.run("/bin/sh", ["-c", curl], environment: environment, timeout: .seconds(30))
        #expect(ran.status == 0 && server.log.count(topic: "ing-staging-events") == 1, "\(ran.stdout) \(ran.stderr)")

        // A pasted curl command comes into Compose (topic, value); its key is never shown.
        session.keys("i")
        _ = await e2e.waitFor(session, 5) { $0.contains("Import a curl command") }
        session.paste("curl --location '\(server.baseURL)/clusters/x/topics/ing-staging-players/records' \\\n  --header \"x-api-key: \(Self.apiKey)\" \\\n  --data '{\"value\": {\"type\": \"JSON\", \"data\": {\"imported\": 7}}}'")
        let pasted = await e2e.waitFor(session, 5) { $0.contains("x-api-key: ••••") }
        #expect(pasted.ok && !pasted.screen.contains(Self.apiKey), "\(pasted.screen)")
        session.keys("Enter")
        let imported = await e2e.waitFor(session) { $0.contains("the curl command loaded into Compose") && $0.contains("{\"imported\":7}") }
        #expect(imported.ok, "\(imported.screen)")

        // players is not an allowed topic: refused, the limit named, nothing sent.
        session.keys("s")
        let refused = await e2e.waitFor(session) { $0.contains("refused by profile careful's limit allowed_topics") }
        #expect(refused.ok, "\(refused.screen)")

        // The saved send back, searched; sent with the reason asked.
        session.keys("o")
        _ = await e2e.waitFor(session, 5) { $0.contains("Saved sends") && $0.contains("morning-check") }
        session.type("morn")
        session.keys("Enter")
        let loaded = await e2e.waitFor(session) { $0.contains("saved send morning-check loaded into Compose") && $0.contains("topic ing-staging-events") }
        #expect(loaded.ok, "\(loaded.screen)")
        session.keys("s")
        let asked = await e2e.waitFor(session, 5) { $0.contains("Why this send?") }
        #expect(asked.ok, "\(asked.screen)")
        session.type("INC-88 morning check s q")
        session.keys("Enter")
        let sent = await e2e.waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
        #expect(sent.ok, "\(sent.screen)")
        #expect(server.log.count(topic: "ing-staging-events") == 2 && server.log.count(topic: "ing-staging-players") == 0)
        session.keys("q")
        _ = await e2e.waitFor(session, 10) { _ in !session.alive() }
        let runs = try JournalStore(directory: workspace.state.path).runs()
        #expect(runs.map(\.info.reason) == ["INC-88 morning check s q"])
        await server.stop()
    }
}
