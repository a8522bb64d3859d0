import Foundation
import Testing
@testable import IngestTUI

/// The real binary in a real terminal: tmux at 80x24, keys in, screen text out.
@Suite(.serialized) struct TmuxSmokeTests {
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The demo binary next to the test bundle (swift test builds every product).
    static func demoBinary() -> String? {
        var candidates: [URL] = []
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("ingest-tui-demo"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("ingest-tui-demo"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ingest-tui-demo"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Session {
        let tmux: String
        let socket = "ingest-tui-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let name = "smoke"

        /// Runs tmux with posix_spawn and reaps only that client. (Foundation's Process waited
        /// forever here: the tmux server that new-session forks inherits what Process uses to see
        /// the child end.) Output goes to a file, never a pipe the server could hold open.
        @discardableResult
        func run(_ args: [String]) -> (status: Int32, output: String) {
            let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UInt32.random(in: 0...UInt32.max)).out").path
            defer { unlink(outPath) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let argv: [UnsafeMutablePointer<CChar>?] = ([tmux, "-L", socket, "-f", "/dev/null"] + args).map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.filter { $0.key != "TMUX" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for p in argv { free(p) }
                for p in envp { free(p) }
            }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, tmux, &actions, nil, argv, envp)
            guard rc == 0 else { return (-1, "posix_spawn: \(rc)") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
            let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            return (exitCode, output)
        }

        func capture() -> String { run(["capture-pane", "-p", "-t", name]).output }

        func keys(_ k: String...) { run(["send-keys", "-t", name] + k) }

        /// Polls the screen until `condition` holds or `timeout` passes.
        func waitFor(_ timeout: Double = 15, _ condition: (String) -> Bool) -> (ok: Bool, screen: String) {
            let deadline = Date().addingTimeInterval(timeout)
            var screen = ""
            while Date() < deadline {
                screen = capture()
                if condition(screen) { return (true, screen) }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return (false, screen)
        }

        func alive() -> Bool { run(["has-session", "-t", name]).status == 0 }

        func kill() { run(["kill-server"]) }
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed"), .timeLimit(.minutes(1)))
    func bannerViewsAndQuit() throws {
        guard let binary = Self.demoBinary() else {
            Issue.record("ingest-tui-demo not built next to the tests (swift build --product ingest-tui-demo)")
            return
        }
        let s = Session(tmux: Self.tmux!)
        defer { s.kill() }  // always, whatever happens
        let started = s.run(["new-session", "-d", "-s", s.name, "-x", "80", "-y", "24", "env TERM=screen NO_COLOR= \(binary) prod"])
        #expect(started.status == 0, "tmux new-session: \(started.output)")

        let first = s.waitFor { $0.contains("PRODUCTION") && $0.contains("Value (JSON)") }
        #expect(first.ok, "no banner/compose view:\n\(first.screen)")

        s.keys("2")
        let reports = s.waitFor { $0.contains("no reports yet") }
        #expect(reports.ok, "no reports view:\n\(reports.screen)")
        #expect(reports.screen.contains("PRODUCTION"))

        s.keys("?")
        let help = s.waitFor { $0.contains("Help: Reports") }
        #expect(help.ok, "no help overlay:\n\(help.screen)")

        s.keys("Escape")
        _ = s.waitFor { !$0.contains("Help: Reports") }
        s.keys("q")
        let deadline = Date().addingTimeInterval(10)
        while s.alive(), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!s.alive(), "the console did not quit on q")
    }
}
