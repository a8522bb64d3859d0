import Foundation

/// Drives a program in a real terminal: tmux on a private socket, keys in, screen text out.
/// Every wait is bounded; `kill()` ends the server whatever happened.
public struct TmuxSession: Sendable {
    public static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    public let tmux: String
    public let socket = "ingest-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    public let name = "t"

    public init?() {
        guard let tmux = Self.tmux else { return nil }
        self.tmux = tmux
    }

    /// Runs tmux with posix_spawn and reaps only that client. (Foundation's Process waited
    /// forever here: the tmux server that new-session forks inherits what Process uses to see
    /// the child end.) Output goes to a file, never a pipe the server could hold open.
    @discardableResult
    public func run(_ args: [String]) -> (status: Int32, output: String) {
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

    /// Starts `command` (a shell command line) at `width` x `height` with extra environment.
    @discardableResult
    public func start(_ command: String, width: Int = 80, height: Int = 24, environment: [String: String] = [:]) -> (status: Int32, output: String) {
        let exports = environment.map { "-e" + "\($0.key)=\($0.value)" }
        return run(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)"] + exports + [command])
    }

    public func capture() -> String { run(["capture-pane", "-p", "-t", name]).output }

    public func keys(_ k: String...) { run(["send-keys", "-t", name] + k) }

    /// Types text literally.
    public func type(_ text: String) { run(["send-keys", "-t", name, "-l", text]) }

    /// Polls the screen until `condition` holds or `timeout` passes.
    public func waitFor(_ timeout: Double = 15, _ condition: (String) -> Bool) -> (ok: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = capture()
            if condition(screen) { return (true, screen) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (false, screen)
    }

    /// Pastes text as a terminal does: bracketed (`ESC [200~ … ESC [201~`) when the program
    /// asked for bracketed paste, as keystrokes otherwise.
    public func paste(_ text: String) {
        run(["set-buffer", "-b", "test-paste", "--", text])
        run(["paste-buffer", "-p", "-d", "-b", "test-paste", "-t", name])
    }

    public func alive() -> Bool { run(["has-session", "-t", name]).status == 0 }

    public func kill() { run(["kill-server"]) }
}
