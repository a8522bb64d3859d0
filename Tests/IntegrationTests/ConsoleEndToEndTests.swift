import Foundation
import IngestSandbox
import Testing
import TestSupport
@testable import IngestCore

/// The real `ingest` binary in a real terminal (tmux, 80x24): sends driven by keystrokes,
/// reports read off the screen, and the production guard checked in the sandbox's own log.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ConsoleEndToEndTests {
    /// Sleeps between looks, so the in-process sandbox keeps its threads.
    func waitFor(_ session: TmuxSession, _ timeout: Double = 20, _ condition: (String) -> Bool) async -> (ok: Bool, screen: String) {
        await session.waitFor(timeout, condition)
    }

    func command(_ arguments: String = "") -> String {
        "env TERM=screen \(IngestCLI.binary.path) \(arguments)"
    }

    /// The console on the local sandbox, with its own state directory, once its profile is
    /// active and its first topic filled in.
    func startOnLocalSandbox(_ session: TmuxSession, workspace: Workspace) async {
        let environment = workspace.environment()
        #expect(session.start(command(), environment: environment).status == 0)
        let ready = await waitFor(session) { $0.contains("topic ing-staging-events") && $0.contains("profile local active") }
        #expect(ready.ok, "console not ready:\n\(ready.screen)")
    }

    @Test(.timeLimit(.minutes(2)))
    func singleBatchAndStreamByKeystrokes() async throws {
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let workspace = try Workspace("e2e")
        let state = workspace.state
        // The sandbox profile starts with its first topic: the first delivered report is one key away.
        await startOnLocalSandbox(session, workspace: workspace)
        session.keys("s")
        let single = await waitFor(session) { $0.contains("send #1 finished: 1 delivered, 0 failed, 0 unknown") }
        #expect(single.ok, "single send:\n\(single.screen)")

        // A send shows the Reports view; back to Compose (1). Batch of 25: mode, then the
        // Count field (three up from Value), then send.
        session.keys("1")
        _ = await waitFor(session) { $0.contains("Value (JSON)") }
        session.keys("m")
        for _ in 0..<3 { session.keys("k") }
        session.keys("Enter", "BSpace")
        session.type("25")
        session.keys("Enter")
        _ = await waitFor(session) { $0.contains("Count     25") }
        session.keys("s")
        let batch = await waitFor(session) { $0.contains("send #2 finished: 25 delivered, 0 failed, 0 unknown") }
        #expect(batch.ok, "batch send:\n\(batch.screen)")

        session.keys("1")
        _ = await waitFor(session) { $0.contains("Value (JSON)") }
        session.keys("m")
        _ = await waitFor(session) { $0.contains("[stream]") }
        session.keys("s")
        let stream = await waitFor(session) { $0.contains("send #3 finished: 25 delivered, 0 failed, 0 unknown") }
        #expect(stream.ok, "stream send:\n\(stream.screen)")

        session.keys("2")
        let reports = await waitFor(session) { $0.contains("✔ delivered 51") && $0.contains("SEQ OUTCOME") }
        #expect(reports.ok, "reports view:\n\(reports.screen)")
        session.keys("6")
        let history = await waitFor(session) { $0.contains("batch →") && $0.contains("stream →") }
        #expect(history.ok, "history view:\n\(history.screen)")

        // Every record the console sent is in the journal, once.
        session.keys("q")
        #expect(await session.waitForExit(), "the console did not quit")
        let journal = try JournalStore(directory: state.path)
        var entries: [JournalRecordEntry] = []
        for run in try journal.runs() { try journal.entries(run: run.id) { entries.append($0) } }
        #expect(entries.count == 51)
        // Curses owns the terminal, so the console's log went to a file beside the journal.
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("console.log").path))
        #expect(entries.allSatisfy { $0.outcome.isDelivered })
    }

    /// The Doctor view (7) on the local sandbox: the checks arrive on screen and every one
    /// passes (TLS too: the sandbox speaks HTTPS, with a forward-secret suite), and neither of the sandbox's secrets (both
    /// "sbx-…") is shown. Leaving the view and coming back keeps the finished run.
    @Test(.timeLimit(.minutes(2)))
    func doctorViewShowsEveryCheckPassing() async throws {
        let session = try #require(TmuxSession())
        defer { session.kill() }
        let workspace = try Workspace("e2e-doctor")
        defer { withExtendedLifetime(workspace) {} }  // the console writes there until the end
        await startOnLocalSandbox(session, workspace: workspace)

        session.keys("7")
        let done = await waitFor(session, 30) { $0.contains("doctor: 10 passed, 0 skipped, none failed") }
        #expect(done.ok, "doctor view:\n\(done.screen)")
        for row in ["✔ profile and secrets", "✔ DNS", "✔ TCP", "✔ TLS", "(forward secret)", "✔ API key", "✔ cluster", "✔ brokers",
                    "✔ broker reach", "✔ Kafka login", "✔ topic"] {
            #expect(done.screen.contains(row), "\(row) missing:\n\(done.screen)")
        }
        #expect(done.screen.contains("ing-staging-events: 3 partitions"))
        #expect(done.screen.contains("SCRAM-SHA-512 as producer"))
        #expect(!done.screen.contains("✖"))
        #expect(!done.screen.contains("sbx-"), "a secret on screen:\n\(done.screen)")

        session.keys("1")
        _ = await waitFor(session) { $0.contains("Value (JSON)") }
        session.keys("7")
        let back = await waitFor(session) { $0.contains("✔ topic") && $0.contains("r runs the checks again") }
        #expect(back.ok, "the finished run was not kept:\n\(back.screen)")
        session.keys("q")
        #expect(await session.waitForExit(), "the console did not quit")
    }

    /// A dev profile whose API key and Kafka password both say `prompt`, against a sandbox
    /// with its TLS + SCRAM Kafka front: both are typed in on activation (masked, never on
    /// screen), then a native send delivers, counted in the sandbox's Kafka log.
    @Test(.timeLimit(.minutes(2)))
    func promptedAPIKeyAndKafkaPasswordThenANativeSend() async throws {
        let apiKey = "prompted-e2e-key-0000001"
        let password = "prompted-e2e-kafka-password-1"
        let kafka = try await SandboxKafka.start(topics: ["ing-staging-events"], partitions: 2, password: password)
        var configuration = SandboxServer.Configuration(apiKey: apiKey, topics: ["ing-staging-events"], partitions: 2)
        configuration.kafka = kafka
        let server = SandboxServer(configuration)
        try await server.start()
        let workspace = try Workspace("e2e-prompt")
        let profile = try workspace.profile("asked", """
            name = "asked"
            environment = "dev"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-staging-"
            api_key = "prompt"
            [kafka]
            username = "producer"
            password = "prompt"
            bootstrap = "\(kafka.bootstrap.joined(separator: ","))"
            ca_file = "\(kafka.caFile)"
            """)

        let session = try #require(TmuxSession())
        defer { session.kill() }
        // Trace logging, so the log file has every request in it to search.
        #expect(session.start(command("--log-level trace --profile \(profile)"), environment: workspace.environment()).status == 0)
        let askedKey = await waitFor(session) { $0.contains("API key for asked") }
        #expect(askedKey.ok, "no API key prompt:\n\(askedKey.screen)")
        session.type(apiKey)
        session.keys("Enter")
        let askedPassword = await waitFor(session) { $0.contains("Kafka password for asked") }
        #expect(askedPassword.ok, "no Kafka password prompt:\n\(askedPassword.screen)")
        session.type(password)
        let typed = session.capture()
        session.keys("Enter")
        let ready = await waitFor(session) { $0.contains("profile asked active") }
        #expect(ready.ok, "profile not active:\n\(ready.screen)")

        session.typeTopic("events")
        _ = await waitFor(session) { $0.contains("topic ing-staging-events") }
        for _ in 0..<3 { session.keys("m") }
        let native = await waitFor(session) { $0.contains("[native]") }
        #expect(native.ok, "native mode not chosen:\n\(native.screen)")
        session.keys("s")
        let sent = await waitFor(session, 30) { $0.contains("send #1 finished: 1 delivered") }
        #expect(sent.ok, "native send:\n\(sent.screen)")
        for screen in [askedKey.screen, askedPassword.screen, typed, ready.screen, sent.screen] {
            #expect(!screen.contains(apiKey) && !screen.contains(password), "a typed secret on screen:\n\(screen)")
        }
        session.keys("q")
        #expect(await session.waitForExit(), "the console did not quit")
        // The record reached the Kafka log through the TLS + SCRAM front, not the REST proxy.
        let stored = try await KcatRun.output(["-C", "-b", kafka.cluster.bootstrap, "-t", "ing-staging-events", "-e", "-q", "-X", "log_level=3"])
            .split(separator: "\n")
        #expect(stored.count == 1, "the Kafka log holds \(stored)")
        #expect(server.produceRequests == 0)
        // Nor in the files the console wrote (its log, the journal).
        let journalFiles = ((FileManager.default.enumerator(atPath: workspace.state.appendingPathComponent("journal").path)?.allObjects as? [String]) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.map { "journal/\($0)" }
        #expect(journalFiles.count >= 2, "the journal's index and run file: \(journalFiles)")
        for file in ["console.log"] + journalFiles {
            let text = try String(contentsOf: workspace.state.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains(apiKey), "\(file) holds the typed API key")
            #expect(!text.contains(password), "\(file) holds the typed Kafka password")
            #expect(!text.isEmpty, "\(file) is empty")
        }
        await server.stop()
        await kafka.stop()
    }

    /// A production profile pointed at a sandbox on loopback: without the typed topic nothing
    /// reaches the proxy; with it, exactly one record does.
    @Test(.timeLimit(.minutes(2)))
    func productionGuardSendsNothingUntilTheTopicIsTyped() async throws {
        let server = SandboxServer(.init(apiKey: "prod-e2e-key-0000001", topics: ["ing-production-events"], partitions: 2))
        try await server.start()
        let workspace = try Workspace("e2e-prod")
        defer { withExtendedLifetime(workspace) {} }  // the console writes there until the end
        let profile = try workspace.profile("prod", """
            name = "prod"
            environment = "production"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-production-"
            api_key = "env:PROD_KEY"
            """)

        let session = try #require(TmuxSession())
        defer { session.kill() }
        #expect(session.start(command("--profile \(profile)"), environment: workspace.environment(["PROD_KEY": "prod-e2e-key-0000001"])).status == 0)
        let ready = await waitFor(session) { $0.contains("PRODUCTION") && $0.contains("profile prod active") }
        #expect(ready.ok, "console not ready:\n\(ready.screen)")
        #expect(!ready.screen.contains("topic ing-production-events"), "production must not start with a topic")

        session.typeTopic("events")
        _ = await waitFor(session) { $0.contains("topic ing-production-events") }

        session.keys("s")
        let ask = await waitFor(session) { $0.contains("PRODUCTION: confirm this send") }
        #expect(ask.ok, "no confirmation:\n\(ask.screen)")
        session.type("ing-production-event")
        session.keys("Enter")
        let refused = await waitFor(session) { $0.contains("is not the topic; nothing sent") }
        #expect(refused.ok, "mismatch not refused:\n\(refused.screen)")
        session.keys("Escape")
        // Nothing may arrive late either: give a send that wrongly started time to land.
        try await Task.sleep(for: .seconds(1))
        #expect(server.produceRequests == 0)
        #expect(server.log.count(topic: "ing-production-events") == 0)

        session.keys("s")
        _ = await waitFor(session) { $0.contains("PRODUCTION: confirm this send") }
        session.type("ing-production-events")
        session.keys("Enter")
        let sent = await waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
        #expect(sent.ok, "confirmed send:\n\(sent.screen)")
        #expect(server.log.count(topic: "ing-production-events") == 1)
        session.keys("q")
        await server.stop()
    }
}

extension TmuxSession {
    /// Compose's Topic field is the top one: up to it, edit, type the short name, Enter.
    func typeTopic(_ name: String) {
        for _ in 0..<12 { keys("k") }
        keys("Enter")
        type(name)
        keys("Enter")
    }
}
