import Foundation
import Testing
import TestSupport

/// The built `ingest` binary, run as an operator would, with its output and exit codes checked.
/// Each test has its own workspace (HOME, state, journal).
@Suite struct CommandLineTests {
    @Test(arguments: ["single", "batch", "stream"])
    func sendToTheEmbeddedSandbox(mode: String) async throws {
        let run = try await Workspace().run(["send", "--profile", "local", "--topic", "events", "--mode", mode,
                                             "--data", #"{"playerId":"{{seq}}","id":"{{uuid}}"}"#, "--count", "12"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 12)
        #expect(run.lines.map { $0["seq"] as? Int } == (1...12).map { $0 })
        #expect(run.lines.allSatisfy { $0["outcome"] as? String == "delivered" && $0["offset"] is Int && $0["partition"] is Int && $0["latency_ms"] != nil })
        #expect(run.lines.allSatisfy { $0["id"] is String })
        #expect(run.stderr.contains("delivered 12, failed 0, unknown 0"))
    }

    /// The local profile's native path: REST discovery names the sandbox's TLS + SCRAM front,
    /// and our producer logs in as `producer` with SCRAM-SHA-512, as against the platform.
    @Test func nativeSendThroughTheSandboxFront() async throws {
        let run = try await Workspace().run(["send", "--profile", "local", "--topic", "events", "--via", "native",
                                             "--data", #"{"n":{{seq}}}"#, "--key", "player-{{seq}}", "--header", "trace=t1", "--count", "20"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 20)
        #expect(Set(run.lines.compactMap { $0["seq"] as? Int }) == Set(1...20))
        #expect(run.lines.allSatisfy { $0["outcome"] as? String == "delivered" && ($0["offset"] as? Int ?? -1) >= 0 })
        #expect(run.stderr.contains("delivered 20, failed 0, unknown 0"))
    }

    @Test func inputErrorsExitTwoAndSendNothing() async throws {
        let workspace = try Workspace()
        let space = try await workspace.run(["send", "--profile", "local", "--topic", "events ", "--data", "{}"])
        #expect(space.status == 2)
        #expect(space.stdout.isEmpty)
        #expect(space.stderr.contains("a space"))

        let json = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--data", "{\"a\":\n 1,}"])
        #expect(json.status == 2)
        #expect(json.stderr.contains("line 2, column 4"), "\(json.stderr)")

        let usage = try await workspace.run(["send", "--profile", "local", "--mode", "fast", "--topic", "events", "--data", "{}"])
        #expect(usage.status == 2)

        let noProfile = try await workspace.run(["send", "--profile", "nosuch", "--topic", "events", "--data", "{}"])
        #expect(noProfile.status == 2)
        #expect(noProfile.stderr.contains("no such profile"))
        // Nothing was sent by any of them: the journal has no entry.
        #expect(workspace.journalRuns.isEmpty, "\(workspace.journalRuns)")
    }

    @Test func unknownTopicExitsOneWithTheProxysCode() async throws {
        let run = try await Workspace().run(["send", "--profile", "local", "--topic", "nosuchtopic", "--data", "{}", "--count", "2", "--mode", "batch"])
        #expect(run.status == 1)
        #expect(run.lines.count == 2)
        #expect(run.lines.allSatisfy { $0["outcome"] as? String == "failed" && $0["error_code"] as? Int == 40403 })
        #expect(run.stderr.contains("delivered 0, failed 2, unknown 0"))
    }

    static func shippedProfile(_ name: String) throws -> String {
        try String(contentsOf: IngestCLI.repository.appendingPathComponent("profiles/\(name).toml"), encoding: .utf8)
    }

    @Test func missingSecretSaysWhichVariableAndSendsNothing() async throws {
        let workspace = try Workspace()
        try workspace.profile("dev", try Self.shippedProfile("dev").replacingOccurrences(of: "client_id = \"\"", with: "client_id = \"acme\""))
        let run = try await workspace.run(["send", "--profile", "dev", "--topic", "events", "--data", "{}"], environment: ["INGEST_PROFILES_DIR": workspace.profiles.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("INGEST_DEV_API_KEY"))
        #expect(run.stdout.isEmpty)
        // As shipped, with no client id, the profile is refused before anything else.
        let shipped = try await workspace.run(["send", "--profile", "dev", "--topic", "events", "--data", "{}"])
        #expect(shipped.status == 2)
        #expect(shipped.stderr.contains("client_id"))
    }

    /// Never reaches the network: the guard refuses first, and a confirmed send then stops at
    /// the missing key.
    @Test func productionNeedsTheTopicTypedBack() async throws {
        let workspace = try Workspace()
        try workspace.profile("prod", try Self.shippedProfile("production").replacingOccurrences(of: "client_id = \"\"", with: "client_id = \"acme\""))
        let environment = ["INGEST_PROFILES_DIR": workspace.profiles.path]
        let unconfirmed = try await workspace.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}"], environment: environment)
        #expect(unconfirmed.status == 2)
        #expect(unconfirmed.stderr.contains("PRODUCTION") && unconfirmed.stderr.contains("--confirm-production ing-production-events"))
        #expect(unconfirmed.stderr.contains("nothing was sent"))
        let wrong = try await workspace.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-staging-events"], environment: environment)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("does not match"))
        let confirmed = try await workspace.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-production-events"], environment: environment)
        #expect(confirmed.status == 2)
        #expect(confirmed.stderr.contains("INGEST_PROD_API_KEY"))
    }

    @Test func literalSecretInAProfileIsRefused() async throws {
        let workspace = try Workspace()
        let leaky = try workspace.profile("leaky", try Self.shippedProfile("dev").replacingOccurrences(of: "env:INGEST_DEV_API_KEY", with: "literal-key-123456789"))
        let run = try await workspace.run(["send", "--profile", leaky, "--topic", "events", "--data", "{}"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("api_key"))
        #expect(run.stderr.contains("literal secret"))
        #expect(!run.stderr.contains("literal-key-123456789"))
    }

    @Test func profilesListMasksSecrets() async throws {
        let canary = "canary-api-key-7f3e9a1b"
        let run = try await Workspace().run(["profiles"], environment: ["INGEST_DEV_API_KEY": canary])
        #expect(run.status == 0)
        #expect(run.stdout.contains("local") && run.stdout.contains("production") && run.stdout.contains("PRODUCTION"))
        #expect(run.stdout.contains("••••9a1b"))
        #expect(!run.stdout.contains(canary) && !run.stderr.contains(canary))
    }

    /// `ingest sandbox` standalone: the guide's own curl calls work against it (curl is
    /// required: the test fails without it rather than skipping its point), and so does a
    /// profile that points at it with an env: key.
    @Test func standaloneSandboxServesCurlAndProfiles() async throws {
        let key = "standalone-key-5ba1c0de"
        let sandbox = try await StandaloneSandbox.start(["--api-key", key])
        defer { sandbox.stop() }
        let base = sandbox.base, banner = sandbox.banner
        #expect(base.hasPrefix("https://127.0.0.1:"))
        #expect(banner.contains("ing-staging-events"))
        let caFile = try #require(sandbox.caFile)

        let curl = try Tools.curl()
        let clusters = try await ChildProcess.run(curl, ["-s", "--max-time", "10", "--cacert", caFile, "\(base)/clusters", "--header", "x-api-key: \(key)"])
        #expect(clusters.status == 0, "curl: \(clusters.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(clusters.stdout.utf8)) as? [String: Any]
        let cluster = try #require((object?["data"] as? [[String: Any]])?.first)
        let id = try #require(cluster["cluster_id"] as? String)
        let single = try await ChildProcess.run(curl, ["-s", "--max-time", "10", "--cacert", caFile, "\(base)/clusters/\(id)/topics/ing-staging-events/records",
                                                       "--header", "Content-Type: application/json", "--header", "x-api-key: \(key)",
                                                       "--data", #"{"value":{"type":"JSON","data":{"playerId":"123","value":"test event 1"}}}"#])
        #expect(single.status == 0 && single.stdout.contains("\"error_code\":200"), "\(single.stdout) \(single.stderr)")

        let workspace = try Workspace()
        let profile = try workspace.profile("standalone", """
            name = "standalone"
            environment = "sandbox"
            rest_url = "\(base)"
            topic_prefix = "ing-staging-"
            api_key = "env:SANDBOX_KEY"
            \(sandbox.trust)
            """)
        let send = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--mode", "stream", "--data", "x{{seq}}", "--type", "string", "--count", "5"],
                                           environment: ["SANDBOX_KEY": key])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.lines.count == 5)
        #expect(!send.stdout.contains(key) && !send.stderr.contains(key))
        let discover = try await workspace.run(["discover", "--profile", profile, "--json"], environment: ["SANDBOX_KEY": key])
        #expect(discover.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(discover.stdout.utf8)) as? [String: Any]
        #expect(json?["cluster_id"] as? String == "sandbox-cluster-1")
        #expect((json?["bootstrap"] as? String)?.hasPrefix("127.0.0.1:") == true)
        let wrongKey = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--data", "{}"], environment: ["SANDBOX_KEY": "not-the-key-000000"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("403") && wrongKey.stderr.contains("api_key"))
        #expect(!wrongKey.stderr.contains("not-the-key-000000"))
    }

    /// Ctrl-C mid-stream: sending stops, the records in flight still get an outcome, the
    /// summary adds up, and the exit code says not everything was delivered. SIGINT goes once
    /// the first report is out (not after a guessed delay), so sending has surely begun.
    @Test func interruptAccountsForEveryRecordSent() async throws {
        let key = "interrupt-key-0000001"
        let sandbox = try await StandaloneSandbox.start(["--api-key", key, "--delay-ms", "100"])
        defer { sandbox.stop() }
        let workspace = try Workspace()
        let profile = try workspace.profile("sbx", "name = \"sbx\"\nenvironment = \"sandbox\"\nrest_url = \"\(sandbox.base)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:SANDBOX_KEY\"\n" + sandbox.trust)
        let send = try workspace.launch(["send", "--profile", profile, "--topic", "events", "--mode", "stream",
                                         "--data", "{\"n\":{{seq}}}", "--count", "200", "--window", "5"], environment: ["SANDBOX_KEY": key])
        defer { send.stop() }
        let first = await send.waitForOutput(within: .seconds(60)) { $0.contains("\n") }
        #expect(first != nil, "no report before the deadline: \(send.stderrTail())")
        send.signal(SIGINT)
        let status = await send.exit(within: .seconds(30))
        #expect(status != nil, "send did not stop after Ctrl-C")
        let stderr = send.stderr
        let lines = send.stdout.split(separator: "\n")
        #expect(status == 1, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        #expect(lines.count > 0 && lines.count < 200)
        let summary = try #require(stderr.split(separator: "\n").first { $0.hasPrefix("delivered ") })
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        #expect(numbers.reduce(0, +) == lines.count, "\(summary) vs \(lines.count) lines")
    }

    @Test func importPropertiesNeverCopiesThePassword() async throws {
        let run = try await Workspace().run(["import-properties", "--file", "-", "--password-ref", "env:INGEST_DEV_KAFKA_PASSWORD"], stdin: """
            bootstrap.server=b-1.example:9096
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config= org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="Pa55-from-guide";
            """)
        #expect(run.status == 0)
        #expect(run.stdout.contains("password = \"env:INGEST_DEV_KAFKA_PASSWORD\""))
        #expect(run.stdout.contains("bootstrap = \"b-1.example:9096\""))
        #expect(!run.stdout.contains("Pa55-from-guide") && !run.stderr.contains("Pa55-from-guide"))
    }

    @Test func sendsAFileOfEvents() async throws {
        let workspace = try Workspace()
        let path = try workspace.file("events.jsonl", (1...30).map { "{\"n\":\($0)}" }.joined(separator: "\n"))
        let run = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--mode", "stream", "--file", path.path, "--window", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 30)
    }
}
