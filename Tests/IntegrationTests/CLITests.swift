import Foundation
import Testing

/// The built `ingest` binary, run as an operator would, with its output and exit codes checked.
@Suite struct CLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    /// The built binary, or `INGEST_TEST_BINARY` (to run these tests against another build).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["INGEST_TEST_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ingest"),
            Bundle.main.bundleURL.appendingPathComponent("ingest"),
            repository.appendingPathComponent(".build/debug/ingest"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    /// A clean environment: only the repository's profiles, no user config, no stray secrets.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "HOME": FileManager.default.temporaryDirectory.path,
                           "XDG_CONFIG_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("ingest-no-config").path,
                           "INGEST_PROFILES_DIR": repository.appendingPathComponent("profiles").path,
                           "INGEST_STATE_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("ingest-cli-state").path]
        environment.merge(extra) { $1 }
        return environment
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 60) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment(extra)
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes while waiting, so a chatty child never blocks on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            Issue.record("ingest \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// For tests that serve the sandbox from their own process: waits without blocking a
    /// cooperative thread, which the in-process server needs.
    static func runAsync(_ arguments: [String], environment extra: [String: String] = [:], timeout: TimeInterval = 60) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try run(arguments, environment: extra, timeout: timeout)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    @Test(arguments: ["single", "batch", "stream"])
    func sendToTheEmbeddedSandbox(mode: String) throws {
        let run = try Self.run(["send", "--profile", "local", "--topic", "events", "--mode", mode,
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
    @Test func nativeSendThroughTheSandboxFront() throws {
        let run = try Self.run(["send", "--profile", "local", "--topic", "events", "--via", "native",
                                "--data", #"{"n":{{seq}}}"#, "--key", "player-{{seq}}", "--header", "trace=t1", "--count", "20"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 20)
        #expect(Set(run.lines.compactMap { $0["seq"] as? Int }) == Set(1...20))
        #expect(run.lines.allSatisfy { $0["outcome"] as? String == "delivered" && ($0["offset"] as? Int ?? -1) >= 0 })
        #expect(run.stderr.contains("delivered 20, failed 0, unknown 0"))
    }

    @Test func inputErrorsExitTwoAndSendNothing() throws {
        let space = try Self.run(["send", "--profile", "local", "--topic", "events ", "--data", "{}"])
        #expect(space.status == 2)
        #expect(space.stdout.isEmpty)
        #expect(space.stderr.contains("a space"))

        let json = try Self.run(["send", "--profile", "local", "--topic", "events", "--data", "{\"a\":\n 1,}"])
        #expect(json.status == 2)
        #expect(json.stderr.contains("line 2, column 4"), "\(json.stderr)")

        let usage = try Self.run(["send", "--profile", "local", "--mode", "fast", "--topic", "events", "--data", "{}"])
        #expect(usage.status == 2)

        let noProfile = try Self.run(["send", "--profile", "nosuch", "--topic", "events", "--data", "{}"])
        #expect(noProfile.status == 2)
        #expect(noProfile.stderr.contains("no such profile"))
    }

    @Test func unknownTopicExitsOneWithTheProxysCode() throws {
        let run = try Self.run(["send", "--profile", "local", "--topic", "nosuchtopic", "--data", "{}", "--count", "2", "--mode", "batch"])
        #expect(run.status == 1)
        #expect(run.lines.count == 2)
        #expect(run.lines.allSatisfy { $0["outcome"] as? String == "failed" && $0["error_code"] as? Int == 40403 })
        #expect(run.stderr.contains("delivered 0, failed 2, unknown 0"))
    }

    @Test func missingSecretSaysWhichVariableAndSendsNothing() throws {
        let directory = try temporaryProfiles(["dev": try String(contentsOf: Self.repository.appendingPathComponent("profiles/dev.toml"), encoding: .utf8)
            .replacingOccurrences(of: "client_id = \"\"", with: "client_id = \"acme\"")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.run(["send", "--profile", "dev", "--topic", "events", "--data", "{}"], environment: ["INGEST_PROFILES_DIR": directory.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("INGEST_DEV_API_KEY"))
        #expect(run.stdout.isEmpty)
        // As shipped, with no client id, the profile is refused before anything else.
        let shipped = try Self.run(["send", "--profile", "dev", "--topic", "events", "--data", "{}"])
        #expect(shipped.status == 2)
        #expect(shipped.stderr.contains("client_id"))
    }

    /// Never reaches the network: the guard refuses first, and a confirmed send then stops at
    /// the missing key.
    @Test func productionNeedsTheTopicTypedBack() throws {
        let directory = try temporaryProfiles(["prod": try String(contentsOf: Self.repository.appendingPathComponent("profiles/production.toml"), encoding: .utf8)
            .replacingOccurrences(of: "client_id = \"\"", with: "client_id = \"acme\"")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["INGEST_PROFILES_DIR": directory.path]
        let unconfirmed = try Self.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}"], environment: environment)
        #expect(unconfirmed.status == 2)
        #expect(unconfirmed.stderr.contains("PRODUCTION") && unconfirmed.stderr.contains("--confirm-production ing-production-events"))
        #expect(unconfirmed.stderr.contains("nothing was sent"))
        let wrong = try Self.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-staging-events"], environment: environment)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("does not match"))
        let confirmed = try Self.run(["send", "--profile", "prod", "--topic", "events", "--data", "{}", "--confirm-production", "ing-production-events"], environment: environment)
        #expect(confirmed.status == 2)
        #expect(confirmed.stderr.contains("INGEST_PROD_API_KEY"))
    }

    @Test func literalSecretInAProfileIsRefused() throws {
        let directory = try temporaryProfiles(["leaky": try String(contentsOf: Self.repository.appendingPathComponent("profiles/dev.toml"), encoding: .utf8)
            .replacingOccurrences(of: "env:INGEST_DEV_API_KEY", with: "literal-key-123456789")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.run(["send", "--profile", directory.appendingPathComponent("leaky.toml").path, "--topic", "events", "--data", "{}"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("api_key"))
        #expect(run.stderr.contains("literal secret"))
        #expect(!run.stderr.contains("literal-key-123456789"))
    }

    @Test func profilesListMasksSecrets() throws {
        let canary = "canary-api-key-7f3e9a1b"
        let run = try Self.run(["profiles"], environment: ["INGEST_DEV_API_KEY": canary])
        #expect(run.status == 0)
        #expect(run.stdout.contains("local") && run.stdout.contains("production") && run.stdout.contains("PRODUCTION"))
        #expect(run.stdout.contains("••••9a1b"))
        #expect(!run.stdout.contains(canary) && !run.stderr.contains(canary))
    }

    /// `ingest sandbox` standalone: the guide's own curl calls work against it, and so does a
    /// profile that points at it with an env: key.
    @Test func standaloneSandboxServesCurlAndProfiles() throws {
        let key = "standalone-key-5ba1c0de"
        let sandbox = try StandaloneSandbox(["--api-key", key])
        defer { sandbox.stop() }
        let base = sandbox.base, banner = sandbox.banner
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(banner.contains("ing-staging-events"))

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
            let clusters = try shell(["/usr/bin/curl", "-s", "--max-time", "10", "\(base)/clusters", "--header", "x-api-key: \(key)"])
            let object = try JSONSerialization.jsonObject(with: Data(clusters.utf8)) as? [String: Any]
            let cluster = try #require((object?["data"] as? [[String: Any]])?.first)
            let id = try #require(cluster["cluster_id"] as? String)
            let single = try shell(["/usr/bin/curl", "-s", "--max-time", "10", "\(base)/clusters/\(id)/topics/ing-staging-events/records",
                                    "--header", "Content-Type: application/json", "--header", "x-api-key: \(key)",
                                    "--data", #"{"value":{"type":"JSON","data":{"playerId":"123","value":"test event 1"}}}"#])
            #expect(single.contains("\"error_code\":200"), "\(single)")
        }

        let directory = try temporaryProfiles(["standalone": """
            name = "standalone"
            environment = "sandbox"
            rest_url = "\(base)"
            topic_prefix = "ing-staging-"
            api_key = "env:SANDBOX_KEY"
            """])
        defer { try? FileManager.default.removeItem(at: directory) }
        let profile = directory.appendingPathComponent("standalone.toml").path
        let send = try Self.run(["send", "--profile", profile, "--topic", "events", "--mode", "stream", "--data", "x{{seq}}", "--type", "string", "--count", "5"],
                                environment: ["SANDBOX_KEY": key])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.lines.count == 5)
        #expect(!send.stdout.contains(key) && !send.stderr.contains(key))
        let discover = try Self.run(["discover", "--profile", profile, "--json"], environment: ["SANDBOX_KEY": key])
        #expect(discover.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(discover.stdout.utf8)) as? [String: Any]
        #expect(json?["cluster_id"] as? String == "sandbox-cluster-1")
        #expect((json?["bootstrap"] as? String)?.hasPrefix("127.0.0.1:") == true)
        let wrongKey = try Self.run(["send", "--profile", profile, "--topic", "events", "--data", "{}"], environment: ["SANDBOX_KEY": "not-the-key-000000"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("403") && wrongKey.stderr.contains("api_key"))
        #expect(!wrongKey.stderr.contains("not-the-key-000000"))
    }

    /// Ctrl-C mid-stream: sending stops, the records in flight still get an outcome, the
    /// summary adds up, and the exit code says not everything was delivered.
    @Test func interruptAccountsForEveryRecordSent() throws {
        let key = "interrupt-key-0000001"
        let sandbox = try StandaloneSandbox(["--api-key", key, "--delay-ms", "100"])
        defer { sandbox.stop() }
        let base = sandbox.base
        let directory = try temporaryProfiles(["sbx": "name = \"sbx\"\nenvironment = \"sandbox\"\nrest_url = \"\(base)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:SANDBOX_KEY\"\n"])
        defer { try? FileManager.default.removeItem(at: directory) }

        let send = Process()
        send.executableURL = Self.binary
        send.arguments = ["send", "--profile", directory.appendingPathComponent("sbx.toml").path, "--topic", "events", "--mode", "stream",
                          "--data", "{\"n\":{{seq}}}", "--count", "200", "--window", "5"]
        send.environment = Self.environment(["SANDBOX_KEY": key])
        let out = Pipe(), err = Pipe()
        send.standardOutput = out
        send.standardError = err
        try send.run()
        Thread.sleep(forTimeInterval: 1.0)
        send.interrupt()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + 30) == .timedOut { send.terminate(); Issue.record("send did not stop after Ctrl-C") }
        send.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self)
        let lines = String(decoding: outData, as: UTF8.self).split(separator: "\n")
        #expect(send.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("interrupted"))
        #expect(lines.count > 0 && lines.count < 200)
        let summary = try #require(stderr.split(separator: "\n").first { $0.hasPrefix("delivered ") })
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        #expect(numbers.reduce(0, +) == lines.count, "\(summary) vs \(lines.count) lines")
    }

    @Test func importPropertiesNeverCopiesThePassword() throws {
        let run = try Self.run(["import-properties", "--file", "-", "--password-ref", "env:INGEST_DEV_KAFKA_PASSWORD"], stdin: """
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

    @Test func sendsAFileOfEvents() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-cli-\(UUID()).jsonl")
        try (1...30).map { "{\"n\":\($0)}" }.joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let run = try Self.run(["send", "--profile", "local", "--topic", "events", "--mode", "stream", "--file", path.path, "--window", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 30)
    }

    func temporaryProfiles(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-profiles-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent("\(name).toml"), atomically: true, encoding: .utf8) }
        return directory
    }

    func shell(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// `ingest sandbox --port 0` as a child process, up once it has printed its banner.
struct StandaloneSandbox {
    let process = Process()
    let banner: String
    let base: String

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLITests.binary
        process.arguments = ["sandbox", "--port", "0"] + arguments
        process.environment = CLITests.environment(environment)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var banner = ""
        let deadline = Date().addingTimeInterval(20)
        while !banner.contains("topics:") && Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        self.banner = banner
        guard let line = banner.split(separator: "\n").first(where: { $0.hasPrefix("sandbox listening: ") }) else {
            process.terminate()
            throw InputErrorForTests("ingest sandbox did not start: \(banner)")
        }
        base = String(line.dropFirst("sandbox listening: ".count))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

struct InputErrorForTests: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
