import Foundation
import Testing
import TestSupport

/// Secrets never leave the process in the clear. Every command, and the console in a real
/// terminal, runs with canary secrets, trace logging on, and failures forced (wrong key, wrong
/// password, a hostile server that echoes the request headers back in its errors). Then
/// stdout, stderr, the log files, the journal and every captured screen are searched: no
/// canary may appear anywhere. Every command's exit status is checked with a line showing it
/// did its work, and positive controls make sure the search had something to find (the trace
/// log shows the masked header, the echoed header reaches the output masked, on the CLI and
/// on the console's screens, the journal has entries, replay re-sent records).
@Suite(.serialized) struct CanarySweepTests {
    struct Canaries {
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        var apiKey: String { "canary-api-key-\(tag)" }
        var kafkaPassword: String { "canary-kafka-pw-\(tag)" }
        var wrongKey: String { "canary-wrong-key-\(tag)" }
        var wrongPassword: String { "canary-wrong-pw-\(tag)" }
        var promptedKey: String { "canary-prompted-\(tag)" }
        var propertiesPassword: String { "canary-properties-\(tag)" }
        var all: [String] { [apiKey, kafkaPassword, wrongKey, wrongPassword, promptedKey, propertiesPassword] }
    }

    /// Everything the process showed or wrote, by where it came from.
    final class Evidence: @unchecked Sendable {
        var texts: [(String, String)] = []
        func add(_ origin: String, _ text: String) { texts.append((origin, text)) }
        func add(_ origin: String, _ run: IngestCLI.Run) {
            add("\(origin) stdout", run.stdout)
            add("\(origin) stderr", run.stderr)
        }
        func leaks(of secrets: [String]) -> [String] {
            texts.flatMap { origin, text in secrets.filter { text.contains($0) }.map { "\(origin) shows \($0)" } }
        }
    }

    /// What an `x-api-key` header looks like once masked: in the trace log, and in the
    /// echoing proxy's answers once the scrubber has been over them.
    static let maskedEcho = "x-api-key: ••••"

    @Test(.timeLimit(.minutes(6)))
    func noCanaryAppearsAnywhere() async throws {
        let canaries = Canaries()
        let evidence = Evidence()
        let workspace = try Workspace("canary")
        let logFile = workspace.root.appendingPathComponent("ingest.log").path

        // The sandbox itself gets the canaries by reference and must not print them.
        let sandbox = try await StandaloneSandbox.start(
            ["--api-key", "env:SANDBOX_KEY", "--kafka-password", "env:SANDBOX_PASSWORD", "--topic", "ing-production-events"],
            environment: ["SANDBOX_KEY": canaries.apiKey, "SANDBOX_PASSWORD": canaries.kafkaPassword])
        defer { sandbox.stop() }
        evidence.add("sandbox banner", sandbox.banner)
        let kafka = try #require(sandbox.kafka, "no Kafka line in the banner: \(sandbox.banner)")
        // A second sandbox whose proxy answers 503: a run to it fails (503 is sent again until
        // the delivery timeout), and is then replayed. Plain http: the profiles trust the first
        // sandbox's CA.
        let failing = try await StandaloneSandbox.start(["--api-key", "env:SANDBOX_KEY", "--memory-log", "--fail", "503", "--plain-http"],
                                                        environment: ["SANDBOX_KEY": canaries.apiKey])
        defer { failing.stop() }
        let echo = try await EchoingProxy.start()
        defer { echo.stop() }

        func profile(_ name: String, environment: String = "dev", url: String? = nil, prefix: String = "ing-staging-", apiKey: String = "env:CANARY_KEY") throws {
            try workspace.profile(name, """
                name = "\(name)"
                environment = "\(environment)"
                rest_url = "\(url ?? sandbox.base)"
                topic_prefix = "\(prefix)"
                api_key = "\(apiKey)"
                [kafka]
                username = "producer"
                password = "env:CANARY_PASSWORD"
                bootstrap = "\(kafka.bootstrap)"
                ca_file = "\(kafka.caFile)"
                """)
        }
        try profile("canary")
        try profile("prod", environment: "production", prefix: "ing-production-")
        try profile("echo", url: echo.base)
        try profile("flaky", url: failing.base)
        let keyFile = try workspace.file("key.txt", canaries.apiKey)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)  // readable by others: a warning
        try profile("filekey", apiKey: "file:\(keyFile.path)")
        try profile("prompted", apiKey: "prompt")
        let events = try workspace.file("events.jsonl", (1...20).map { "{\"n\":\($0),\"note\":\"event \($0)\"}" }.joined(separator: "\n"))

        let environment = ["INGEST_PROFILES_DIR": workspace.profiles.path, "CANARY_KEY": canaries.apiKey, "CANARY_PASSWORD": canaries.kafkaPassword]
        let logging = ["--log-level", "trace", "--log-file", logFile]
        /// Runs one command; checks its exit status and that `proof` is in its output.
        @discardableResult
        func ingest(_ label: String, _ arguments: [String], exit expected: Int32, proof: String? = nil, extra: [String: String] = [:],
                    log: Bool = true, stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> IngestCLI.Run {
            let run = try await workspace.run((log ? logging : ["--log-level", "trace"]) + arguments, environment: environment.merging(extra) { $1 },
                                              stdin: stdin, timeout: .seconds(90), sourceLocation: sourceLocation)
            evidence.add(label, run)
            #expect(!run.stderr.contains("Fatal error"), "\(label) crashed: \(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.status == expected, "\(label): exit \(run.status), expected \(expected); stderr: \(run.stderr.suffix(800))", sourceLocation: sourceLocation)
            if let proof {
                #expect(run.stdout.contains(proof) || run.stderr.contains(proof), "\(label) did not show \"\(proof)\": \(run.stdout.prefix(800)) \(run.stderr.suffix(800))",
                        sourceLocation: sourceLocation)
            }
            return run
        }
        let canary = ["--profile", "canary", "--topic", "events"]

        // Healthy paths, every transport and mode.
        try await ingest("profiles", ["profiles"], exit: 0, proof: "flaky")
        try await ingest("profiles --json", ["profiles", "--json"], exit: 0, proof: "\"filekey\"")
        try await ingest("check", ["check", "--file", events.path], exit: 0, proof: "20")
        try await ingest("discover", ["discover", "--profile", "canary", "--json"], exit: 0, proof: "sandbox-cluster-1")
        try await ingest("doctor", ["doctor", "--profile", "canary", "--topic", "events"], exit: 0, proof: "SCRAM-SHA-512 as producer")
        try await ingest("doctor --json", ["doctor", "--profile", "canary", "--topic", "events", "--json"], exit: 0, proof: "\"Kafka login\"")
        for mode in ["single", "batch", "stream"] {
            try await ingest("send \(mode)", ["send"] + canary + ["--mode", mode, "--file", events.path], exit: 0, proof: "delivered 20, failed 0, unknown 0")
        }
        try await ingest("send native", ["send"] + canary + ["--via", "native", "--file", events.path], exit: 0, proof: "delivered 20, failed 0, unknown 0")
        try await ingest("send file: key", ["send", "--profile", "filekey", "--topic", "events", "--data", "{}"], exit: 0, proof: "readable by others")
        try await ingest("send production unconfirmed", ["send", "--profile", "prod", "--topic", "events", "--data", "{}"], exit: 2, proof: "nothing was sent")
        try await ingest("send production confirmed", ["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-production-events"],
                         exit: 0, proof: "delivered 1, failed 0, unknown 0")
        // Logging to stderr instead of a file.
        try await ingest("send, log on stderr", ["send"] + canary + ["--data", "{}"], exit: 0, proof: Self.maskedEcho, log: false)

        // Failures forced.
        try await ingest("send wrong key", ["send"] + canary + ["--mode", "stream", "--data", "{}"], exit: 1, proof: "api_key", extra: ["CANARY_KEY": canaries.wrongKey])
        try await ingest("doctor wrong key", ["doctor", "--profile", "canary"], exit: 1, proof: "check api_key", extra: ["CANARY_KEY": canaries.wrongKey])
        try await ingest("send native wrong password", ["send"] + canary + ["--via", "native", "--data", "{}"], exit: 1, proof: "kafka.password",
                         extra: ["CANARY_PASSWORD": canaries.wrongPassword])
        try await ingest("doctor wrong password", ["doctor", "--profile", "canary", "--topic", "events"], exit: 1, proof: "kafka.password",
                         extra: ["CANARY_PASSWORD": canaries.wrongPassword])
        // The echoing proxy puts the key into its answers: it must come out masked.
        try await ingest("send to an echoing proxy", ["send", "--profile", "echo", "--topic", "events", "--mode", "batch", "--count", "3", "--data", "{}"],
                         exit: 1, proof: Self.maskedEcho)
        try await ingest("discover on an echoing proxy", ["discover", "--profile", "echo"], exit: 1, proof: "key •••• is not valid")
        try await ingest("doctor on an echoing proxy", ["doctor", "--profile", "echo"], exit: 1, proof: "key •••• is not valid")
        try await ingest("send unknown topic", ["send", "--profile", "canary", "--topic", "nosuch", "--mode", "batch", "--data", "{}"], exit: 1, proof: "40403")
        try await ingest("send unknown topic native", ["send", "--profile", "canary", "--topic", "nosuch", "--via", "native", "--data", "{}"], exit: 1,
                         proof: "does not exist")

        // A run that fails on a 503 (both batches in flight together), then replayed once the
        // proxy is back (the profile now points at the healthy sandbox): the failed records
        // are sent again and delivered.
        let flaky = try await ingest("send to a failing proxy", ["send", "--profile", "flaky", "--topic", "events", "--mode", "batch", "--file", events.path, "--delivery-timeout", "1"],
                                     exit: 1, proof: "delivered 0, failed 20, unknown 0")
        #expect(flaky.lines.count == 20)
        try profile("flaky", url: sandbox.base)
        let before = try await sandbox.appended(topic: "ing-staging-events")
        try await ingest("journal", ["journal"], exit: 0, proof: "flaky (dev)")
        try await ingest("journal --json", ["journal", "--json", "--outcome", "failed"], exit: 0, proof: "\"failed\":20")
        let replay = try await ingest("replay failed", ["replay", "--failed"], exit: 0, proof: "replaying 20 record(s) of run")
        #expect(replay.lines.count == 20 && replay.lines.allSatisfy { $0["outcome"] as? String == "delivered" }, "\(replay.stdout)")
        #expect(try await sandbox.appended(topic: "ing-staging-events") == before + 20, "replay did not reach Kafka")
        let imported = try await ingest("import-properties", ["import-properties", "--file", "-", "--password-ref", "env:CANARY_PASSWORD"], exit: 0,
                                        proof: "password = \"env:CANARY_PASSWORD\"", stdin: """
            bootstrap.servers=\(kafka.bootstrap)
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="\(canaries.propertiesPassword)";
            """)
        #expect(imported.stdout.contains("username = \"producer\""))

        // The console, in a real terminal.
        let consoleLog = workspace.state.appendingPathComponent("console.log").path
        try await console(workspace: workspace, environment: environment, canaries: canaries, evidence: evidence)

        // Files written: logs and the journal.
        for file in [logFile, consoleLog] {
            evidence.add(file, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
        }
        let stateFiles = (FileManager.default.enumerator(atPath: workspace.state.path)?.allObjects as? [String]) ?? []
        for file in stateFiles {
            evidence.add("state/\(file)", (try? String(contentsOfFile: workspace.state.appendingPathComponent(file).path, encoding: .utf8)) ?? "")
        }

        // Positive controls: the search looked at real, verbose material.
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("x-api-key: ••••"), "the trace log should show the masked header")
        #expect(log.split(separator: "\n").count > 50, "the trace log is too short to mean anything")
        #expect(stateFiles.contains("journal/runs.jsonl") && stateFiles.contains { $0.hasPrefix("journal/runs/") && $0.hasSuffix(".jsonl") }, "no journal written")
        #expect(((try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? "").contains("x-api-key: ••••"), "the console's trace log should show the masked header")

        let leaks = evidence.leaks(of: canaries.all)
        #expect(leaks.isEmpty, "secrets leaked:\n\(leaks.joined(separator: "\n"))")
        print("canary sweep: \(evidence.texts.count) outputs searched (\(evidence.texts.map(\.1.utf8.count).reduce(0, +)) bytes), \(leaks.count) leaks")
    }

    /// Three consoles: a prompted secret typed in; sends and every view on the healthy
    /// sandbox; and the echoing proxy, whose answers carry the key back onto the screen
    /// (send reports and a record's detail, discovery, doctor) where only the console's own
    /// scrubbing can mask it. Wide (250 columns) so that no message is cut before the key.
    func console(workspace: Workspace, environment: [String: String], canaries: Canaries, evidence: Evidence) async throws {
        guard TmuxSession.tmux != nil else {
            Issue.record("tmux is not installed: the console part of the sweep did not run")
            return
        }
        var terminal = workspace.environment(environment)
        terminal["TERM"] = "screen"
        let console = "\(IngestCLI.binary.path) --log-level trace"

        let prompted = try #require(TmuxSession())
        defer { prompted.kill() }
        #expect(prompted.start("\(console) --profile prompted", environment: terminal).status == 0)
        let asked = await prompted.waitFor(20) { $0.contains("API key for prompted") }
        #expect(asked.ok, "no prompt:\n\(asked.screen)")
        evidence.add("console: prompt", asked.screen)
        prompted.type(canaries.promptedKey)
        evidence.add("console: prompt typed", prompted.capture())
        prompted.keys("Enter")
        let active = await prompted.waitFor(20) { $0.contains("profile prompted active") }
        #expect(active.ok, "the prompted profile did not activate:\n\(active.screen)")
        evidence.add("console: prompted profile", active.screen)
        prompted.keys("q")
        #expect(await prompted.waitForExit(), "the console did not quit")

        let healthy = try #require(TmuxSession())
        defer { healthy.kill() }
        #expect(healthy.start("\(console) --profile canary", environment: terminal).status == 0)
        let ready = await healthy.waitFor(20) { $0.contains("profile canary active") }
        #expect(ready.ok, "console not ready:\n\(ready.screen)")
        evidence.add("console: ready", ready.screen)
        healthy.typeTopic("events")
        _ = await healthy.waitFor(10) { $0.contains("topic ing-staging-events") }
        healthy.keys("s")
        let sent = await healthy.waitFor(20) { $0.contains("send #1 finished: 1 delivered") }
        #expect(sent.ok, "console send:\n\(sent.screen)")
        evidence.add("console: sent", sent.screen)
        for (view, mark) in [("2", "SEQ OUTCOME"), ("3", "Profiles"), ("4", "Discovery"), ("5", "Load"), ("6", "History"), ("?", "Help")] {
            healthy.keys(view)
            let shown = await healthy.waitFor(10) { $0.contains(mark) }
            #expect(shown.ok, "view \(view) did not show \(mark):\n\(shown.screen)")
            evidence.add("console: view \(view)", shown.screen)
            if view == "?" { healthy.keys("Escape") }
        }
        healthy.keys("7")
        let doctor = await healthy.waitFor(30) { $0.contains("doctor: ") && $0.contains("Kafka login") }
        #expect(doctor.screen.contains("✔ Kafka login"), "doctor view:\n\(doctor.screen)")
        evidence.add("console: doctor view", doctor.screen)
        healthy.keys("q")
        #expect(await healthy.waitForExit(), "the console did not quit")

        let echoed = try #require(TmuxSession())
        defer { echoed.kill() }
        #expect(echoed.start("\(console) --profile echo", width: 250, height: 40, environment: terminal).status == 0)
        let echoReady = await echoed.waitFor(20) { $0.contains("profile echo active") }
        #expect(echoReady.ok, "console not ready:\n\(echoReady.screen)")
        echoed.typeTopic("events")
        _ = await echoed.waitFor(10) { $0.contains("topic ing-staging-events") }
        echoed.keys("s")
        let refused = await echoed.waitFor(20) { $0.contains("✖ failed 1") && $0.contains("send #1 failed") }
        #expect(refused.ok, "console send to the echoing proxy:\n\(refused.screen)")
        evidence.add("console: echo send", refused.screen)
        echoed.keys("2")
        _ = await echoed.waitFor(10) { $0.contains("SEQ OUTCOME") }
        echoed.keys("Enter")
        let detail = await echoed.waitFor(10) { $0.contains("request (as sent)") }
        evidence.add("console: echo record detail", detail.screen)
        #expect(detail.screen.contains(Self.maskedEcho), "the echoed header should be on screen, masked:\n\(detail.screen)")
        echoed.keys("Escape")
        echoed.keys("4")
        _ = await echoed.waitFor(10) { $0.contains("Discovery") }
        echoed.keys("d")
        let discovery = await echoed.waitFor(20) { $0.contains("is not valid") }
        evidence.add("console: echo discovery", discovery.screen)
        #expect(discovery.screen.contains("key •••• is not valid"), "discovery should show the echoed key, masked:\n\(discovery.screen)")
        echoed.keys("7")
        let echoDoctor = await echoed.waitFor(30) { $0.contains("doctor: ") && $0.contains("is not valid") }
        evidence.add("console: echo doctor", echoDoctor.screen)
        #expect(echoDoctor.screen.contains("key •••• is not valid"), "the doctor should show the echoed key, masked:\n\(echoDoctor.screen)")
        echoed.keys("q")
        #expect(await echoed.waitForExit(), "the console did not quit")
    }
}
