import Foundation

/// Drives a program in a real terminal: tmux on a private socket, keys in, screen text out.
/// Every wait is bounded; `kill()` ends the server whatever happened, and a `Reaper` ends it
/// if the test process dies first.
public final class TmuxSession: Sendable {
    public static let tmux: String? = try? Tools.path("tmux")

    public let tmux: String
    public let socket = "ingest-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    public let name = "t"
    private let reaper: Reaper

    public init?() {
        guard let tmux = Self.tmux, let reaper = try? Reaper(cleanup: "'\(tmux)' -L '\(socket)' kill-server") else { return nil }
        self.tmux = tmux
        self.reaper = reaper
    }

    deinit { kill() }

    /// Runs one tmux client command (they end at once; bounded all the same). Output goes to
    /// a file, never a pipe the server it may fork could hold open.
    @discardableResult
    public func run(_ args: [String]) -> (status: Int32, output: String) {
        let environment = ProcessInfo.processInfo.environment.filter { $0.key != "TMUX" }
        guard let run = try? ChildProcess.runBlocking(tmux, ["-L", socket, "-f", "/dev/null"] + args, environment: environment, timeout: .seconds(15)) else {
            return (-1, "tmux did not start")
        }
        return (run.timedOut ? -1 : run.status, run.stdout)
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

    /// Polls the screen until `condition` holds or `timeout` seconds pass, sleeping (not
    /// blocking a thread) between looks.
    public func waitFor(_ timeout: Double = 15, _ condition: (String) -> Bool) async -> (ok: Bool, screen: String) {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var screen = ""
        while ContinuousClock.now < deadline {
            screen = capture()
            if condition(screen) { return (true, screen) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return (false, screen)
    }

    /// Pastes text as a terminal does: bracketed (`ESC [200~ … ESC [201~`) when the program
    /// asked for bracketed paste, as keystrokes otherwise.
    public func paste(_ text: String) {
        run(["set-buffer", "-b", "test-paste", "--", text])
        run(["paste-buffer", "-p", "-d", "-b", "test-paste", "-t", name])
    }

    /// Waits until the program in the session has ended (the session closes with it).
    @discardableResult
    public func waitForExit(_ timeout: Double = 10) async -> Bool {
        await waitFor(timeout) { _ in !self.alive() }.ok
    }

    public func alive() -> Bool { run(["has-session", "-t", name]).status == 0 }

    public func kill() {
        run(["kill-server"])
        reaper.release()
    }
}
