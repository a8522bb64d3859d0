import Foundation
import IngestSandbox
import Testing
import TestSupport
@testable import IngestCore

/// Issue 14 on the real binary in a real terminal (tmux): stray keystrokes and pastes never
/// send (item 1), every production send is confirmed (item 2), and a mistyped prompted
/// secret is asked again and replaced without a restart (item 3).
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ConsoleSafetyTests {
    let e2e = ConsoleEndToEndTests()

    /// Tab while editing, then letters; a paste with no field being edited; a paste on a view
    /// without fields: nothing is sent, the type and the filter stay, and the text lands in the
    /// fields. Then `s` sends one record, as it should.
    @Test(.timeLimit(.minutes(2)))
    func strayKeysAndPastesNeverSend() async throws {
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let workspace = try Workspace("stray")
        await e2e.startOnLocalSandbox(session, workspace: workspace)

        // Value is selected at start; Key is seven fields up.
        for _ in 0..<7 { session.keys("k") }
        session.keys("Enter")
        session.type("k1")
        session.keys("Tab")
        session.type("src=test")
        let typed = await e2e.waitFor(session) { $0.contains("src=test") }
        #expect(typed.ok, "the letters after Tab did not go into Headers:\n\(typed.screen)")
        session.keys("Escape")
        _ = await e2e.waitFor(session, 3) { $0.contains("▸ Headers") && !$0.contains("editing:") }

        // A paste on Compose goes into the selected field (Headers), never runs as keys.
        session.paste(";xyz s")
        _ = await e2e.waitFor(session, 3) { $0.contains("src=test;xyz s") }
        session.keys("Escape")
        // A paste where no field takes text is refused with a message.
        session.keys("2")
        _ = await e2e.waitFor(session, 5) { $0.contains("no reports yet") }
        session.paste("xyz s q")
        let refused = await e2e.waitFor(session, 5) { $0.contains("paste ignored") }
        #expect(refused.ok, "no refusal shown:\n\(refused.screen)")
        try await Task.sleep(for: .seconds(1))
        let after = session.capture()
        #expect(!after.contains("send #"), "a stray key or paste sent:\n\(after)")
        #expect(after.contains("✔ delivered 0   ✖ failed 0   ? unknown 0"), "\(after)")
        #expect(after.contains("· all ·"), "the errors filter was toggled:\n\(after)")
        #expect(session.alive(), "a pasted q quit the console")

        session.keys("1")
        let compose = await e2e.waitFor(session, 5) { $0.contains("Value (JSON)") }
        #expect(compose.screen.contains("Key       k1"), "\(compose.screen)")
        #expect(compose.screen.contains("src=test;xyz s"), "\(compose.screen)")
        #expect(compose.screen.contains("[JSON]"), "the type was changed:\n\(compose.screen)")
        session.keys("s")
        let sent = await e2e.waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
        #expect(sent.ok, "the real send:\n\(sent.screen)")
        session.keys("q")
        _ = await e2e.waitFor(session, 10) { _ in !session.alive() }
    }

    /// Production on a sandbox on loopback: the second send to the topic just typed back asks
    /// again, and a file send shows its count, source and mode before the topic is typed.
    @Test(.timeLimit(.minutes(2)))
    func everyProductionSendIsConfirmed() async throws {
        let server = SandboxServer(.init(apiKey: "prod-e2e-key-0000002", topics: ["ing-production-events"], partitions: 2))
        try await server.start()
        let workspace = try Workspace("prod-every")
        let work = workspace.root
        let profile = work.appendingPathComponent("prod.toml")
        try """
            name = "prod"
            environment = "production"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-production-"
            api_key = "env:PROD_KEY"
            """.write(to: profile, atomically: true, encoding: .utf8)
        let file = work.appendingPathComponent("events.jsonl")
        try (1...20).map { "{\"n\":\($0)}" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)

        let session = try #require(TmuxSession())
        defer { session.kill() }
        var environment = workspace.environment()
        environment["PROD_KEY"] = "prod-e2e-key-0000002"
        #expect(session.start(e2e.command("--profile \(profile.path)"), environment: environment).status == 0)
        let ready = await e2e.waitFor(session) { $0.contains("PRODUCTION") && $0.contains("profile prod active") }
        #expect(ready.ok, "console not ready:\n\(ready.screen)")
        session.typeTopic("events")
        _ = await e2e.waitFor(session) { $0.contains("topic ing-production-events") }

        session.keys("s")
        _ = await e2e.waitFor(session) { $0.contains("PRODUCTION: confirm") }
        session.type("ing-production-events")
        session.keys("Enter")
        let first = await e2e.waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
        #expect(first.ok, "first send:\n\(first.screen)")

        // Same topic, one more record: asked again; Esc sends nothing.
        session.keys("1")
        _ = await e2e.waitFor(session) { $0.contains("Value (JSON)") }
        session.keys("s")
        let again = await e2e.waitFor(session, 5) { $0.contains("PRODUCTION: confirm") }
        #expect(again.ok, "the second production send was not confirmed:\n\(again.screen)")
        session.keys("Escape")
        try await Task.sleep(for: .milliseconds(700))
        #expect(server.log.count(topic: "ing-production-events") == 1, "a send reached production without its confirmation")

        // A file, sent without counting it first: asked, with what will go.
        session.keys("5", "Enter")
        session.type(file.path)
        session.keys("Enter", "l")
        _ = await e2e.waitFor(session) { $0.contains("records  20") }
        session.keys("s")
        let fileAsk = await e2e.waitFor(session, 5) { $0.contains("PRODUCTION: confirm") && $0.contains("20 records") }
        #expect(fileAsk.ok, "the file send was not confirmed with its count:\n\(fileAsk.screen)")
        #expect(fileAsk.screen.contains("from     file "), "\(fileAsk.screen)")
        session.type("ing-production-events")
        session.keys("Enter")
        let sent = await e2e.waitFor(session) { $0.contains("send #2 finished: 20 delivered") }
        #expect(sent.ok, "file send:\n\(sent.screen)")
        #expect(server.log.count(topic: "ing-production-events") == 21)
        session.keys("q")
        _ = await e2e.waitFor(session, 10) { _ in !session.alive() }
        await server.stop()
    }

    /// A mistyped prompted API key: the send is refused (403); activating the profile again asks
    /// again and replaces it, and the next send is delivered without a restart.
    @Test(.timeLimit(.minutes(2)))
    func mistypedPromptedSecretIsAskedAgain() async throws {
        let apiKey = "prompted-right-key-000001"
        let server = SandboxServer(.init(apiKey: apiKey, topics: ["ing-staging-events"], partitions: 2))
        try await server.start()
        let workspace = try Workspace("prompt-again")
        let work = workspace.root
        let profile = work.appendingPathComponent("asked.toml")
        try """
            name = "asked"
            environment = "dev"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-staging-"
            api_key = "prompt"
            """.write(to: profile, atomically: true, encoding: .utf8)
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let environment = workspace.environment()
        #expect(session.start(e2e.command("--profile \(profile.path)"), environment: environment).status == 0)
        _ = await e2e.waitFor(session) { $0.contains("API key for asked") }
        session.type("prompted-wrong-key-00001")
        session.keys("Enter")
        _ = await e2e.waitFor(session) { $0.contains("profile asked active") }
        session.typeTopic("events")
        _ = await e2e.waitFor(session) { $0.contains("topic ing-staging-events") }
        session.keys("s")
        let refused = await e2e.waitFor(session) { $0.contains("send #1") && $0.contains("403") }
        #expect(refused.ok, "the wrong key was not refused:\n\(refused.screen)")

        session.keys("3")
        _ = await e2e.waitFor(session) { $0.contains("PROFILE") }
        session.keys("Enter")
        let asked = await e2e.waitFor(session) { $0.contains("API key for asked") }
        #expect(asked.ok, "re-activating did not ask again:\n\(asked.screen)")
        session.type(apiKey)
        session.keys("Enter")
        _ = await e2e.waitFor(session) { $0.contains("profile asked active") }
        session.keys("1")
        _ = await e2e.waitFor(session) { $0.contains("Value (JSON)") }
        session.keys("s")
        let delivered = await e2e.waitFor(session) { $0.contains("send #2 finished: 1 delivered") }
        #expect(delivered.ok, "the right key did not replace the wrong one:\n\(delivered.screen)")
        #expect(server.log.count(topic: "ing-staging-events") == 1)
        session.keys("q")
        _ = await e2e.waitFor(session, 10) { _ in !session.alive() }
        await server.stop()
    }

    /// q while a stream runs against a slow proxy: asked first; y stops the send, and the
    /// console quits only once the records in flight have their outcomes: every record the
    /// proxy stored is in the journal as delivered, and every record sent has one outcome.
    @Test(.timeLimit(.minutes(2)))
    func quittingWaitsForTheRecordsInFlight() async throws {
        var faults = SandboxFaults()
        faults.reportDelayMilliseconds = 25
        var configuration = SandboxServer.Configuration(apiKey: "quit-e2e-key-000000001", topics: ["ing-staging-events"], partitions: 2)
        configuration.faults = faults
        let server = SandboxServer(configuration)
        try await server.start()
        let workspace = try Workspace("quit-drain")
        let work = workspace.root
        let profile = work.appendingPathComponent("slow.toml")
        try """
            name = "slow"
            environment = "dev"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-staging-"
            api_key = "env:QUIT_KEY"
            """.write(to: profile, atomically: true, encoding: .utf8)
        let session = try #require(TmuxSession())
        defer { session.kill() }
        var environment = workspace.environment()
        environment["QUIT_KEY"] = "quit-e2e-key-000000001"
        #expect(session.start(e2e.command("--profile \(profile.path)"), environment: environment).status == 0)
        _ = await e2e.waitFor(session) { $0.contains("profile slow active") }
        session.typeTopic("events")
        _ = await e2e.waitFor(session) { $0.contains("topic ing-staging-events") }
        // Stream mode, Count 2000 (six fields below Topic).
        session.keys("m", "m")
        for _ in 0..<6 { session.keys("j") }
        session.keys("Enter", "C-u")
        session.type("2000")
        session.keys("Enter")
        _ = await e2e.waitFor(session) { $0.contains("Count     2000") && $0.contains("[stream]") }
        session.keys("s")
        let running = await e2e.waitFor(session) { $0.contains("● sending #1") && $0.contains("✔ delivered 1") }
        #expect(running.ok, "the stream did not start:\n\(running.screen)")

        session.keys("q")
        let asked = await e2e.waitFor(session, 5) { $0.contains("Quit while sending?") }
        #expect(asked.ok, "q did not ask:\n\(asked.screen)")
        session.keys("y")
        let gone = await e2e.waitFor(session, 20) { _ in !session.alive() }
        #expect(gone.ok, "the console did not quit:\n\(gone.screen)")

        let journal = try JournalStore(directory: workspace.state.path)
        let runs = try journal.runs()
        #expect(runs.count == 1)
        var entries: [JournalRecordEntry] = []
        for run in runs { try journal.entries(run: run.id) { entries.append($0) } }
        let stored = server.log.count(topic: "ing-staging-events")
        let delivered = entries.filter { $0.outcome.isDelivered }.count
        #expect(stored > 0 && stored < 2000, "stored \(stored)")
        #expect(Int64(delivered) == stored, "the proxy stored \(stored) records, the journal has \(delivered) delivered")
        #expect(Set(entries.map(\.seq)).count == entries.count, "a record journaled twice")
        await server.stop()
    }

    /// Item 10: in tmux, y in Discovery puts the bootstrap list in tmux's paste buffer and says
    /// so (OSC 52 alone reaches no clipboard where the terminal ignores it).
    @Test(.timeLimit(.minutes(2)))
    func copyingLandsInTheTmuxBuffer() async throws {
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let workspace = try Workspace("copy")
        await e2e.startOnLocalSandbox(session, workspace: workspace)
        session.keys("4", "d")
        let found = await e2e.waitFor(session) { $0.contains("bootstrap.servers") }
        #expect(found.ok, "\(found.screen)")
        session.keys("y")
        let copied = await e2e.waitFor(session) { $0.contains("copied to the tmux paste buffer") }
        #expect(copied.ok, "\(copied.screen)")
        let buffer = session.run(["show-buffer"]).output
        #expect(buffer.hasPrefix("127.0.0.1:") && buffer.split(separator: ",").count == 3, "buffer: \(buffer)")
        session.keys("q")
        _ = await e2e.waitFor(session, 10) { _ in !session.alive() }
    }
}
