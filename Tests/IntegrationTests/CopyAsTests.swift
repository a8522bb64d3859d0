import Foundation
import Testing
import TestSupport

/// `ingest send --print curl | kcat | properties`: what is printed, run as it is by a shell
/// against `ingest sandbox`, puts the same records in its Kafka log (read back with kcat on
/// the plaintext port). The printed text never holds a secret, only the profile's variables.
@Suite(.serialized) struct CopyAsTests {
    static let apiKey = "copy-as-key-6d1f0e2a"
    static let password = "copy-as-kafka-3b9c7d15"

    struct Rig {
        let sandbox: StandaloneSandbox
        let workspace: Workspace
        let profile: String
        var environment: [String: String] { ["WF_API_KEY": CopyAsTests.apiKey, "WF_KAFKA_PASSWORD": CopyAsTests.password] }

        /// Runs what ingest printed, in sh, with the variables the profile names set.
        func execute(_ script: String) async throws -> ChildProcess.Finished {
            try await ChildProcess.run("/bin/sh", ["-c", script], environment: workspace.environment(environment), timeout: .seconds(60))
        }

        /// `key|headers|value` of every record in `topic`.
        func stored(_ topic: String = "ing-staging-events") async throws -> [String] {
            let kafka = try #require(sandbox.kafka)
            return try await KcatRun.output(["-C", "-b", kafka.plaintext, "-t", topic, "-e", "-q", "-X", "log_level=3", "-f", "%k|%h|%s\\n"])
                .split(separator: "\n").map(String.init)
        }
    }

    static func rig() async throws -> Rig {
        let sandbox = try await StandaloneSandbox.start(["--api-key", "env:WF_API_KEY", "--kafka-password", "env:WF_KAFKA_PASSWORD"],
                                                        environment: ["WF_API_KEY": apiKey, "WF_KAFKA_PASSWORD": password])
        let kafka = try #require(sandbox.kafka)
        let workspace = try Workspace("copy-as")
        let profile = try workspace.profile("rehearse", """
            name = "rehearse"
            environment = "dev"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-staging-"
            api_key = "env:WF_API_KEY"
            [kafka]
            username = "producer"
            password = "env:WF_KAFKA_PASSWORD"
            bootstrap = "discover"
            ca_file = "\(kafka.caFile)"
            """)
        return Rig(sandbox: sandbox, workspace: workspace, profile: profile)
    }

    /// The printed command and `ingest send` with the same flags store the same records (but
    /// for a marker in the value that tells the two runs apart).
    @Test(arguments: ["single", "batch", "stream"])
    func printedCurlProducesTheSameRecords(mode: String) async throws {
        let rig = try await Self.rig()
        defer { rig.sandbox.stop() }
        let run = UUID().uuidString.prefix(8)
        func flags(_ marker: String) -> [String] {
            ["send", "--profile", rig.profile, "--topic", "events", "--mode", mode, "--count", "3",
             "--data", "{\"m\": \"\(marker)\", \"n\": {{seq}}, \"quote\": \"it's\"}", "--key", "k{{seq}}", "--header", "trace=t-{{seq}}"]
        }
        let printed = try await rig.workspace.run(flags("printed-\(run)") + ["--print", "curl"], environment: rig.environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("\"x-api-key: $WF_API_KEY\""), "\(printed.stdout)")
        #expect(!printed.stdout.contains(Self.apiKey) && !printed.stderr.contains(Self.apiKey))
        #expect(printed.stdout.hasPrefix("curl --location"))
        #expect(try await rig.stored().isEmpty, "printing sent something")

        let ran = try await rig.execute(printed.stdout)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(!ran.stdout.contains("\"error_code\":4") && !ran.stdout.contains("\"error_code\":5") && !ran.stdout.contains("\"failures\":[{"), "\(ran.stdout)")
        let sent = try await rig.workspace.run(flags("sent-\(run)"), environment: rig.environment)
        #expect(sent.status == 0, "\(sent.stderr)")

        let stored = try await rig.stored()
        let byCurl = stored.filter { $0.contains("printed-\(run)") }.map { $0.replacingOccurrences(of: "printed-\(run)", with: "M") }.sorted()
        let byIngest = stored.filter { $0.contains("sent-\(run)") }.map { $0.replacingOccurrences(of: "sent-\(run)", with: "M") }.sorted()
        #expect(byCurl.count == 3)
        if mode == "batch" {
            // The sandbox re-writes batch entries' JSON values through Foundation, whose key
            // order varies from run to run (single and stream keep the bytes): compare them parsed.
            #expect(byCurl.map(Self.sortedJSON) == byIngest.map(Self.sortedJSON), "\(byCurl) vs \(byIngest)")
        } else {
            #expect(byCurl == byIngest)
        }
        #expect(byCurl.allSatisfy { $0.contains("\"quote\":\"it's\"") && $0.contains("|trace=t-") }, "\(byCurl)")
    }

    /// `key|headers|{json}` with the JSON's keys sorted.
    static func sortedJSON(_ line: String) -> String {
        let parts = line.split(separator: "|", maxSplits: 2).map(String.init)
        guard parts.count == 3, let object = try? JSONSerialization.jsonObject(with: Data(parts[2].utf8)),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys) else { return line }
        return parts[0] + "|" + parts[1] + "|" + String(decoding: sorted, as: UTF8.self)
    }

    @Test func printedKcatProducesTheSameRecords() async throws {
        let rig = try await Self.rig()
        defer { rig.sandbox.stop() }
        let marker = "kcat-\(UUID().uuidString.prefix(8))"
        // Keyed one-line records, then a STRING value with a line break (the delimited form).
        let printed = try await rig.workspace.run(["send", "--profile", rig.profile, "--topic", "events", "--count", "3",
                                                   "--data", "{\"m\": \"\(marker)\",\n \"n\": {{seq}}}", "--key", "player-{{seq}}",
                                                   "--header", "trace=abc", "--print", "kcat"], environment: rig.environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("sasl.password=\"$WF_KAFKA_PASSWORD\""), "\(printed.stdout)")
        #expect(printed.stdout.contains("ssl.ca.location="))
        #expect(!printed.stdout.contains(Self.password) && !printed.stdout.contains(Self.apiKey))
        let multiline = try await rig.workspace.run(["send", "--profile", rig.profile, "--topic", "events", "--type", "string",
                                                     "--data", "line one \(marker)\nline 'two' 100%", "--print", "kcat"], environment: rig.environment)
        #expect(multiline.status == 0, "\(multiline.stderr)")
        #expect(multiline.stdout.contains(#"-D '\x1e'"#), "\(multiline.stdout)")
        #expect(try await rig.stored().isEmpty, "printing sent something")

        for script in [printed.stdout, multiline.stdout] {
            let ran = try await rig.execute(script)
            #expect(ran.status == 0, "\(script)\n\(ran.stderr)")
        }
        let kafka = try #require(rig.sandbox.kafka)
        let stored = try await KcatRun.output(["-C", "-b", kafka.plaintext, "-t", "ing-staging-events", "-e", "-q", "-X", "log_level=3",
                                                "-f", "%k|%h|%s\\x1e"]).split(separator: "\u{1E}").map(String.init).filter { $0.contains(marker) }
        #expect(Set(stored) == Set((1...3).map { "player-\($0)|trace=abc|{\"m\":\"\(marker)\",\"n\":\($0)}" } + ["||line one \(marker)\nline 'two' 100%"]),
                "\(stored)")
    }

    @Test func printedPropertiesCarryNoSecretAndImportBack() async throws {
        let rig = try await Self.rig()
        defer { rig.sandbox.stop() }
        let printed = try await rig.workspace.run(["send", "--profile", rig.profile, "--topic", "events", "--data", "{}", "--print", "properties"],
                                                  environment: rig.environment)
        #expect(printed.status == 0, "\(printed.stderr)")
        let kafka = try #require(rig.sandbox.kafka)
        #expect(printed.stdout.contains("bootstrap.servers=\(kafka.bootstrap)"), "\(printed.stdout)")
        #expect(printed.stdout.contains("password=\"${env:WF_KAFKA_PASSWORD}\""))
        #expect(printed.stdout.contains("config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider"))
        #expect(printed.stdout.contains("ssl.truststore.type=PEM") && printed.stdout.contains("ssl.truststore.location=\(kafka.caFile)"))
        #expect(!printed.stdout.contains(Self.password))
        let imported = try await rig.workspace.run(["import-properties", "--file", "-", "--password-ref", "env:WF_KAFKA_PASSWORD"], stdin: printed.stdout)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("bootstrap = \"\(kafka.bootstrap)\""), "\(imported.stdout)")
    }

    /// The embedded sandbox ends with the command that printed: refused, saying what to do.
    @Test func printingForTheEmbeddedSandboxSaysWhatToDo() async throws {
        let run = try await Workspace().run(["send", "--profile", "local", "--topic", "events", "--data", "{}", "--print", "curl"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("ingest sandbox"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
