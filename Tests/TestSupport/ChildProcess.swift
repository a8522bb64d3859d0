import Foundation

#if canImport(Glibc)
import Glibc
#endif

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The one way tests run another program (the `ingest` binary, `ingest sandbox`, kcat, tansu,
/// curl, python, tmux). posix_spawn, never Foundation's Process (which waited forever on
/// tmux, whose server inherits what Process watches):
/// - output goes to files, never pipes, so a chatty child never blocks and what it said is
///   still there when a test fails (`stdout`, `stderr`, `stderrTail`);
/// - the child leads its own process group with default signal handling, so `stop()` ends
///   it and everything it started, and SIGINT reaches it as Ctrl-C would;
/// - a `Reaper` ends the group if the test process dies first (crash, timeout, SIGKILL);
/// - every wait is bounded, and the async waits sleep instead of blocking a thread of the
///   cooperative pool, which in-process servers (Hummingbird handlers) need.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let commandLine: String
    public let directory: URL
    private let reaper: Reaper
    private let lock = NSLock()
    private var status: Int32?

    /// The exit status as a shell shows it: the exit code, or 128 + signal.
    public var exitStatus: Int32? { lock.withLock { status } }

    /// `stdin` is written to a file the child reads; without it the child reads /dev/null.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: String? = nil, stdin: Data? = nil) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-child-\(UUID().uuidString.prefix(13))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        commandLine = ([executable] + arguments).joined(separator: " ")
        let input = directory.appendingPathComponent("stdin").path
        if let stdin { try stdin.write(to: URL(fileURLWithPath: input)) }
        let pid = try Spawn.start(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            currentDirectory: currentDirectory, stdin: stdin == nil ? "/dev/null" : input,
            stdout: directory.appendingPathComponent("stdout").path, stderr: directory.appendingPathComponent("stderr").path,
            ownGroup: true)
        self.pid = pid
        // dash (/bin/sh) takes no "--": a negative number after the signal is the group.
        reaper = try Reaper(cleanup: "kill -KILL -\(pid)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public var stdout: String { read("stdout") }
    public var stderr: String { read("stderr") }
    /// The end of stderr, for failure messages.
    public func stderrTail(_ count: Int = 2000) -> String { String(stderr.suffix(count)) }

    private func read(_ name: String) -> String {
        (try? String(decoding: Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)) ?? ""
    }

    /// Reaps the child if it has ended; true once it has.
    @discardableResult
    public func poll() -> Bool {
        lock.withLock {
            if status != nil { return true }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                return true
            }
            if result < 0 && errno == ECHILD { status = -1; return true }
            return false
        }
    }

    public var isRunning: Bool { !poll() }

    /// Waits for the end, sleeping between looks; nil if it is still running after `timeout`.
    public func exit(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while !poll() {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus
    }

    /// The same for the few synchronous callers (a tmux client, a kcat run from a sync test):
    /// only for children that end quickly.
    public func exitBlocking(within timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while !poll() {
            if ContinuousClock.now >= deadline { return nil }
            usleep(5_000)
        }
        return exitStatus
    }

    /// Waits until stdout satisfies `condition` (a banner, a first report line); nil if the
    /// child ended or `timeout` passed first.
    public func waitForOutput(within timeout: Duration, _ condition: (String) -> Bool) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let ended = !isRunning
            let text = stdout
            if condition(text) { return text }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func signal(_ signal: Int32) {
        if !poll() { kill(pid, signal) }
    }

    /// SIGKILL to the whole group, then reaps it (bounded: SIGKILL cannot be ignored).
    public func stop() {
        // Only while the leader is not reaped: its id cannot belong to anyone else then.
        if !poll() {
            kill(-pid, SIGKILL)
            _ = exitBlocking(within: .seconds(10))
        }
        reaper.release()
    }

    public struct Finished: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    /// Runs to the end, bounded: past `timeout` the child is killed and `timedOut` set.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, stdin: Data? = nil, timeout: Duration = .seconds(60)) async throws -> Finished {
        let child = try ChildProcess(executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin)
        let status = await child.exit(within: timeout)
        child.stop()
        return Finished(status: status ?? -1, stdout: child.stdout, stderr: child.stderr, timedOut: status == nil)
    }

    public static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                                   stdin: Data? = nil, timeout: Duration = .seconds(60)) throws -> Finished {
        let child = try ChildProcess(executable, arguments, environment: environment, stdin: stdin)
        let status = child.exitBlocking(within: timeout)
        child.stop()
        return Finished(status: status ?? -1, stdout: child.stdout, stderr: child.stderr, timedOut: status == nil)
    }
}

/// Runs `cleanup` (a shell command) if the test process dies: a small shell process reads a
/// pipe only this process holds the writing end of; the kernel closes it when this process
/// ends in any way, the shell sees end of file and cleans up. `release()` says all is well.
public final class Reaper: @unchecked Sendable {
    private let pid: pid_t
    private let lock = NSLock()
    private var writer: Int32

    public init(cleanup: String) throws {
        var ends: [Int32] = [0, 0]
        guard GNU.pipe2(&ends, O_CLOEXEC) == 0 else { throw ChildProcessError("pipe2: \(String(cString: strerror(errno)))") }
        defer { close(ends[0]) }
        let script = "read -r line; [ \"$line\" = done ] && exit 0; \(cleanup)"
        do {
            pid = try Spawn.start("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin:/usr/local/bin"],
                                  currentDirectory: nil, stdinFD: ends[0], stdout: "/dev/null", stderr: "/dev/null", ownGroup: true)
        } catch {
            close(ends[1])
            throw error
        }
        writer = ends[1]
    }

    /// The child was dealt with: the reaper ends without cleaning up.
    public func release() {
        let fd = lock.withLock { () -> Int32 in
            defer { writer = -1 }
            return writer
        }
        guard fd >= 0 else { return }
        _ = "done\n".withCString { write(fd, $0, 5) }
        close(fd)
        var raw: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while waitpid(pid, &raw, WNOHANG) == 0 {
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &raw, 0)
                return
            }
            usleep(2_000)
        }
    }

    deinit { release() }
}

/// glibc functions Swift's Glibc module leaves out (they need _GNU_SOURCE), found at run time.
enum GNU {
    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        // glibc's RTLD_DEFAULT is the null handle.
        guard let pointer = dlsym(nil, name) else {
            fatalError("glibc has no \(name) (needs glibc 2.34 or later)")
        }
        return unsafeBitCast(pointer, to: type)
    }

    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    nonisolated(unsafe) static let pipe2: Pipe2 = symbol("pipe2", as: Pipe2.self)
    nonisolated(unsafe) static let addclosefrom: AddClosefrom = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)
    nonisolated(unsafe) static let addchdir: AddChdir = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
}

enum Spawn {
    static func start(_ executable: String, _ arguments: [String], environment: [String: String], currentDirectory: String?,
                      stdin: String? = nil, stdinFD: Int32? = nil, stdout: String, stderr: String, ownGroup: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // Nothing else of the test process leaks in (another child's reaper pipe above all).
        _ = GNU.addclosefrom(&actions, 3)
        if let currentDirectory { _ = GNU.addchdir(&actions, currentDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test process may block or ignore signals; the child starts with the defaults.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if ownGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}
