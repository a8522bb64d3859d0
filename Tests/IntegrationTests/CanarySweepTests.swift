import Foundation
import Testing
import TestSupport

/// Secrets never leave the process in the clear. Every command, and the console in a real
/// terminal, runs with canary secrets, trace logging on, and failures forced (wrong key, wrong
/// password, a hostile server that echoes the request headers back in its errors). Then
/// stdout, stderr, the log files, the journal and every captured screen are searched: no
/// canary may appear anywhere. Positive controls make sure the search had something to find
/// (the trace log shows the masked header, the journal has entries, the screens show sends).
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
    final class Evidence {
        var texts: [(String, String)] = []
        func add(_ origin: String, _ text: String) { texts.append((origin, text)) }
        func add(_ origin: String, _ run: CLITests.Run) {
            add("\(origin) stdout", run.stdout)
            add("\(origin) stderr", run.stderr)
        }
    }

    /// A proxy that echoes the request's headers back in its errors, as a misconfigured
    /// gateway might: the API key then comes back inside the error text.
    struct EchoingProxy {
        let process = Process()
        let base: String

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import http.server, json
                class H(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def reply(self, status, kind, body):
                        data = body.encode()
                        self.send_response(status)
                        self.send_header("Content-Type", kind)
                        self.send_header("Content-Length", str(len(data)))
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(data)
                    def do_GET(self):
                        if self.path.endswith("/clusters"):
                            self.reply(200, "application/json", json.dumps({"kind": "KafkaClusterList", "metadata": {}, "data": [{"kind": "KafkaCluster", "cluster_id": "echo-1", "brokers": {"related": "http://x/v3/clusters/echo-1/brokers"}}]}))
                        else:
                            self.reply(401, "application/json", json.dumps({"error_code": 40101, "message": "key " + str(self.headers.get("x-api-key")) + " is not valid"}))
                    def do_POST(self):
                        self.reply(500, "text/html", "<html><body>upstream failed; request headers: " + " | ".join(k + ": " + v for k, v in self.headers.items()) + "</body></html>")
                    def log_message(self, *args):
                        pass
                server = http.server.HTTPServer(("127.0.0.1", 0), H)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(line) else {
                process.terminate()
                throw InputErrorForTests("the echoing proxy did not start: \(line)")
            }
            base = "http://127.0.0.1:\(port)/v3"
        }

        /// SIGKILL: the test process blocks SIGTERM, and a child inherits the blocked mask.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func noCanaryAppearsAnywhere() throws {
        let canaries = Canaries()
        let evidence = Evidence()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-canary-\(UUID())")
        let profiles = work.appendingPathComponent("profiles")
        let state = work.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let logFile = work.appendingPathComponent("ingest.log").path

        // The sandbox itself gets the canaries by reference and must not print them.
        let sandbox = try StandaloneSandbox(
            ["--api-key", "env:SANDBOX_KEY", "--kafka-password", "env:SANDBOX_PASSWORD", "--topic", "ing-production-events"],
            environment: ["SANDBOX_KEY": canaries.apiKey, "SANDBOX_PASSWORD": canaries.kafkaPassword])
        defer { sandbox.stop() }
        evidence.add("sandbox banner", sandbox.banner)
        let kafka = try #require(sandbox.kafka, "no Kafka line in the banner: \(sandbox.banner)")
        let echo = try EchoingProxy()
        defer { echo.stop() }

        func profile(_ name: String, environment: String = "dev", url: String? = nil, prefix: String = "ing-staging-", apiKey: String = "env:CANARY_KEY") throws {
            try """
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
                """.write(to: profiles.appendingPathComponent("\(name).toml"), atomically: true, encoding: .utf8)
        }
        try profile("canary")
        try profile("prod", environment: "production", prefix: "ing-production-")
        try profile("echo", url: echo.base)
        let keyFile = work.appendingPathComponent("key.txt")
        try canaries.apiKey.write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)  // readable by others: a warning
        try profile("filekey", apiKey: "file:\(keyFile.path)")
        try profile("prompted", apiKey: "prompt")
        let events = work.appendingPathComponent("events.jsonl")
        try (1...20).map { "{\"n\":\($0),\"note\":\"event \($0)\"}" }.joined(separator: "\n").write(to: events, atomically: true, encoding: .utf8)

        let environment = ["INGEST_PROFILES_DIR": profiles.path, "INGEST_STATE_DIR": state.path,
                           "CANARY_KEY": canaries.apiKey, "CANARY_PASSWORD": canaries.kafkaPassword]
        let logging = ["--log-level", "trace", "--log-file", logFile]
        func ingest(_ label: String, _ arguments: [String], extra: [String: String] = [:], log: Bool = true, stdin: String? = nil) throws -> CLITests.Run {
            let run = try CLITests.run((log ? logging : ["--log-level", "trace"]) + arguments, environment: environment.merging(extra) { $1 }, stdin: stdin, timeout: 60)
            evidence.add(label, run)
            #expect(!run.stderr.contains("Fatal error"), "\(label) crashed: \(run.stderr)")
            return run
        }
        let canary = ["--profile", "canary", "--topic", "events"]

        // Healthy paths, every transport and mode.
        #expect(try ingest("profiles", ["profiles"]).status == 0)
        _ = try ingest("profiles --json", ["profiles", "--json"])
        #expect(try ingest("check", ["check", "--file", events.path]).status == 0)
        #expect(try ingest("discover", ["discover", "--profile", "canary", "--json"]).status == 0)
        #expect(try ingest("doctor", ["doctor", "--profile", "canary", "--topic", "events"]).status == 0)
        #expect(try ingest("doctor --json", ["doctor", "--profile", "canary", "--topic", "events", "--json"]).status == 0)
        for mode in ["single", "batch", "stream"] {
            let run = try ingest("send \(mode)", ["send"] + canary + ["--mode", mode, "--file", events.path])
            #expect(run.status == 0, "\(mode): \(run.stderr)")
        }
        #expect(try ingest("send native", ["send"] + canary + ["--via", "native", "--file", events.path]).status == 0)
        #expect(try ingest("send file: key", ["send", "--profile", "filekey", "--topic", "events", "--data", "{}"]).status == 0)
        let guarded = try ingest("send production unconfirmed", ["send", "--profile", "prod", "--topic", "events", "--data", "{}"])
        #expect(guarded.status == 2)
        #expect(try ingest("send production confirmed", ["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-production-events"]).status == 0)
        // Logging to stderr instead of a file.
        #expect(try ingest("send, log on stderr", ["send"] + canary + ["--data", "{}"], log: false).status == 0)

        // Failures forced.
        let wrongKey = try ingest("send wrong key", ["send"] + canary + ["--mode", "stream", "--data", "{}"], extra: ["CANARY_KEY": canaries.wrongKey])
        #expect(wrongKey.status == 1)
        _ = try ingest("doctor wrong key", ["doctor", "--profile", "canary"], extra: ["CANARY_KEY": canaries.wrongKey])
        let wrongPassword = try ingest("send native wrong password", ["send"] + canary + ["--via", "native", "--data", "{}"], extra: ["CANARY_PASSWORD": canaries.wrongPassword])
        #expect(wrongPassword.status == 1)
        _ = try ingest("doctor wrong password", ["doctor", "--profile", "canary", "--topic", "events"], extra: ["CANARY_PASSWORD": canaries.wrongPassword])
        let echoed = try ingest("send to an echoing proxy", ["send", "--profile", "echo", "--topic", "events", "--mode", "batch", "--count", "3", "--data", "{}"])
        #expect(echoed.status == 1)
        #expect(echoed.stdout.contains("request headers"), "the echoing proxy's error text should reach the report: \(echoed.stdout)")
        _ = try ingest("discover on an echoing proxy", ["discover", "--profile", "echo"])
        _ = try ingest("doctor on an echoing proxy", ["doctor", "--profile", "echo"])
        _ = try ingest("send unknown topic", ["send", "--profile", "canary", "--topic", "nosuch", "--mode", "batch", "--data", "{}"])
        _ = try ingest("send unknown topic native", ["send", "--profile", "canary", "--topic", "nosuch", "--via", "native", "--data", "{}"])

        // The journal, read back, and replays of what failed.
        #expect(try ingest("journal", ["journal"]).status == 0)
        _ = try ingest("journal --json", ["journal", "--json", "--outcome", "failed"])
        _ = try ingest("replay failed", ["replay", "--failed", "--profile", "canary"])
        let imported = try ingest("import-properties", ["import-properties", "--file", "-", "--password-ref", "env:CANARY_PASSWORD"], stdin: """
            bootstrap.servers=\(kafka.bootstrap)
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="\(canaries.propertiesPassword)";
            """)
        #expect(imported.status == 0, "\(imported.stderr)")

        // The console, in a real terminal: a prompted secret typed in, sends, a failure.
        if let session = TmuxSession() {
            defer { session.kill() }
            var terminalEnvironment = CLITests.environment(environment)
            terminalEnvironment["TERM"] = "screen"
            let console = "\(CLITests.binary.path) --log-level trace --log-file \(work.appendingPathComponent("console.log").path)"
            #expect(session.start("\(console) --profile prompted", environment: terminalEnvironment).status == 0)
            let asked = session.waitFor(20) { $0.contains("API key") || $0.contains("secret") }
            evidence.add("console: prompt", asked.screen)
            session.type(canaries.promptedKey)
            evidence.add("console: prompt typed", session.capture())
            session.keys("Enter")
            let failed = session.waitFor(20) { $0.contains("profile prompted") }
            evidence.add("console: prompted profile", failed.screen)
            session.keys("q")
            _ = session.waitFor(10) { _ in !session.alive() }

            let second = TmuxSession()!
            defer { second.kill() }
            #expect(second.start("\(console) --profile canary", environment: terminalEnvironment).status == 0)
            let ready = second.waitFor(20) { $0.contains("profile canary active") }
            #expect(ready.ok, "console not ready:\n\(ready.screen)")
            evidence.add("console: ready", ready.screen)
            second.typeTopic("events")
            _ = second.waitFor(10) { $0.contains("topic ing-staging-events") }
            second.keys("s")
            let sent = second.waitFor(20) { $0.contains("send #1 finished: 1 delivered") }
            #expect(sent.ok, "console send:\n\(sent.screen)")
            evidence.add("console: sent", sent.screen)
            for view in ["2", "3", "4", "5", "6", "?"] {
                second.keys(view)
                Thread.sleep(forTimeInterval: 0.3)
                evidence.add("console: view \(view)", second.capture())
                if view == "?" { second.keys("Escape") }
            }
            second.keys("7")
            let doctor = second.waitFor(20) { $0.contains("Kafka login") && !$0.contains("running…") }
            #expect(doctor.screen.contains("Kafka login"), "doctor view:\n\(doctor.screen)")
            evidence.add("console: doctor view", doctor.screen)
            second.keys("q")
            _ = second.waitFor(10) { _ in !second.alive() }
        } else {
            Issue.record("tmux is not installed: the console part of the sweep did not run")
        }

        // Files written: logs and the journal.
        for file in [logFile, work.appendingPathComponent("console.log").path] {
            evidence.add(file, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
        }
        let journalFiles = (FileManager.default.enumerator(atPath: state.path)?.allObjects as? [String]) ?? []
        for file in journalFiles {
            evidence.add("state/\(file)", (try? String(contentsOfFile: state.appendingPathComponent(file).path, encoding: .utf8)) ?? "")
        }

        // Positive controls: the search looked at real, verbose material.
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("x-api-key: ••••"), "the trace log should show the masked header")
        #expect(log.split(separator: "\n").count > 50, "the trace log is too short to mean anything")
        #expect(journalFiles.contains { $0.hasSuffix(".jsonl") }, "no journal written")
        #expect(evidence.texts.contains { $0.0 == "send wrong key stderr" && $0.1.contains("api_key") })
        #expect(evidence.texts.contains { $0.0.hasPrefix("send file: key") && $0.1.contains("readable by others") },
                "a secret file readable by others should warn")

        var leaks: [String] = []
        for (origin, text) in evidence.texts {
            for secret in canaries.all where text.contains(secret) {
                leaks.append("\(origin) shows \(secret)")
            }
        }
        #expect(leaks.isEmpty, "secrets leaked:\n\(leaks.joined(separator: "\n"))")
        print("canary sweep: \(evidence.texts.count) outputs searched (\(evidence.texts.map(\.1.utf8.count).reduce(0, +)) bytes), \(leaks.count) leaks")
    }
}
