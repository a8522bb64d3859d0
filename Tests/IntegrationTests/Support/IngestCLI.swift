import Foundation
import Testing
import TestSupport

/// The built `ingest` binary and a private place to run it: every `Workspace` has its own
/// HOME, config, state (journal, console log) and temporary directory, removed at the end,
/// so no test reads what another one wrote.
enum IngestCLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardizedFileURL

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

    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        /// The `stopped: …` line of the summary, if the run stopped early.
        var stopReason: String? {
            stderr.split(separator: "\n").first { $0.hasPrefix("stopped: ") }.map { String($0.dropFirst("stopped: ".count)) }
        }
    }
}

final class Workspace: @unchecked Sendable {
    let root: URL
    var home: URL { root.appendingPathComponent("home") }
    var state: URL { root.appendingPathComponent("state") }
    var temporary: URL { root.appendingPathComponent("tmp") }
    /// The run files of this workspace's journal: one per send that began.
    var journalRuns: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("journal/runs").path)) ?? []).filter { $0.hasSuffix(".jsonl") }
    }

    init(_ label: String = "ws") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(label)-\(UUID().uuidString.prefix(13))")
        for directory in [home, state, temporary, root.appendingPathComponent("profiles")] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Only the repository's profiles, no user config, no stray secrets from this process.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "HOME": home.path,
                           "TMPDIR": temporary.path,
                           "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
                           "XDG_STATE_HOME": root.appendingPathComponent("xdg-state").path,
                           "INGEST_PROFILES_DIR": IngestCLI.repository.appendingPathComponent("profiles").path,
                           "INGEST_STATE_DIR": state.path]
        environment.merge(extra) { $1 }
        return environment
    }

    /// Writes `text` as profile `name` in this workspace; returns its path.
    @discardableResult
    func profile(_ name: String, _ text: String) throws -> String {
        let path = root.appendingPathComponent("profiles/\(name).toml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    var profiles: URL { root.appendingPathComponent("profiles") }

    func file(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Runs the binary to its end (bounded: past `timeout` it is killed and the test fails).
    func run(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil,
             timeout: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation) async throws -> IngestCLI.Run {
        let run = try await ChildProcess.run(IngestCLI.binary.path, arguments, environment: environment(extra), currentDirectory: temporary.path,
                                             stdin: stdin.map { Data($0.utf8) }, timeout: timeout)
        if run.timedOut {
            Issue.record("ingest \(arguments.joined(separator: " ")) did not finish in \(timeout); stderr: \(run.stderr.suffix(1500))", sourceLocation: sourceLocation)
        }
        return IngestCLI.Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    /// Starts the binary and returns at once (Ctrl-C tests, long-running commands).
    func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(IngestCLI.binary.path, arguments, environment: environment(extra), currentDirectory: temporary.path)
    }
}

/// `ingest sandbox --port 0` as a child process, up once it has printed its banner (which
/// names the port it bound). Dies with the test process; its stderr is in failures.
final class StandaloneSandbox: Sendable {
    let process: ChildProcess
    let banner: String
    let base: String
    let workspace: Workspace

    private init(process: ChildProcess, banner: String, base: String, workspace: Workspace) {
        self.process = process
        self.banner = banner
        self.base = base
        self.workspace = workspace
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> StandaloneSandbox {
        let workspace = try Workspace("sandbox")
        let process = try workspace.launch(["sandbox", "--port", "0"] + arguments, environment: environment)
        guard let banner = await process.waitForOutput(within: .seconds(60), { $0.contains("topics:") }),
              let line = banner.split(separator: "\n").first(where: { $0.hasPrefix("sandbox listening: ") })
        else {
            process.stop()
            throw ChildProcessError("ingest sandbox did not start: \(process.stdout)\nstderr: \(process.stderrTail())")
        }
        return StandaloneSandbox(process: process, banner: banner, base: String(line.dropFirst("sandbox listening: ".count)), workspace: workspace)
    }

    func stop() { process.stop() }

    /// The CA the sandbox's HTTPS certificate (and its Kafka front's) chains to: the banner's `CA: F  (...)`.
    var caFile: String? {
        banner.split(separator: "\n").first { $0.hasPrefix("CA: ") }
            .map { String($0.dropFirst("CA: ".count).split(separator: " ").first ?? "") }
    }

    /// A profile's `[kafka]` table that trusts the sandbox's CA (for its HTTPS).
    var trust: String { "[kafka]\nca_file = \"\(caFile ?? "")\"\n" }

    struct Kafka {
        var bootstrap: String
        var password: String
        var caFile: String
        var plaintext: String
    }

    /// The Kafka line of the banner: `kafka (SASL_SSL, SCRAM-SHA-512): B  user producer  password P  CA F`.
    var kafka: Kafka? {
        let lines = banner.split(separator: "\n").map(String.init)
        guard let secure = lines.first(where: { $0.hasPrefix("kafka (SASL_SSL") }),
              let plain = lines.first(where: { $0.hasPrefix("kafka (plaintext") })
        else { return nil }
        let words = secure.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let passwordAt = words.firstIndex(of: "password"), let caAt = words.firstIndex(of: "CA"), words.count > caAt + 1 else { return nil }
        return Kafka(bootstrap: words[3], password: words[passwordAt + 1], caFile: words[(caAt + 1)...].joined(separator: " "),
                     plaintext: String(plain.split(separator: " ").last ?? ""))
    }

    /// Records appended to `topic` (sum of end offsets, read by kcat on the plaintext port).
    func appended(topic: String) async throws -> Int {
        guard let kafka else { throw ChildProcessError("this sandbox has no Kafka (--memory-log?): \(banner)") }
        let output = try await KcatRun.output(["-C", "-b", kafka.plaintext, "-t", topic, "-o", "-1", "-e", "-q", "-X", "log_level=3", "-f", "%o\\n"])
        return output.split(separator: "\n").compactMap { Int($0) }.reduce(0) { $0 + $1 + 1 }
    }

    /// The values stored in `topic`, in partition then offset order.
    func values(topic: String) async throws -> [String] {
        guard let kafka else { throw ChildProcessError("this sandbox has no Kafka (--memory-log?): \(banner)") }
        return try await KcatRun.output(["-C", "-b", kafka.plaintext, "-t", topic, "-e", "-q", "-X", "log_level=3", "-f", "%s\\n"])
            .split(separator: "\n").map(String.init)
    }
}

/// Compatibility for tests written against the old helpers: one fresh workspace per run
/// unless the caller names its own state directory.
enum CLITests {
    static var binary: URL { IngestCLI.binary }
    static var repository: URL { IngestCLI.repository }
    typealias Run = IngestCLI.Run

    static func runAsync(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                         timeout: TimeInterval = 90, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Run {
        try await Workspace("cli").run(arguments, environment: environment, stdin: stdin, timeout: .milliseconds(Int(timeout * 1000)),
                                       sourceLocation: sourceLocation)
    }
}

struct InputErrorForTests: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
