import Foundation
import Synchronization

public enum Console {
    public struct NotATerminal: Error, CustomStringConvertible {
        public var description: String { "the console needs a terminal (stdin and stdout must be a tty); use the ingest CLI for scripts" }
    }

    /// Runs the operator console until the operator quits (q, Ctrl-C) or SIGINT/SIGTERM/SIGHUP
    /// arrives; the terminal is restored in every case. Returns the process exit code: 0 when the
    /// operator quits, 128 + the signal's number after a signal.
    /// `themePath`: a theme TOML file (themes/*.toml); nil uses default-dark. `NO_COLOR` forces
    /// monochrome.
    public static func run(services: some ConsoleServices, initialProfile: String, themePath: String?) async throws -> Int32 {
        guard isatty(0) == 1, isatty(1) == 1 else { throw NotATerminal() }
        let (theme, themeProblem) = ThemeLoader.load(path: themePath)
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let backend = NCursesBackend(theme: theme, monochrome: noColor)
        return try await run(services: services, backend: backend, initialProfile: initialProfile, themeProblem: themeProblem)
    }

    /// The loop over any terminal: messages in, `update`, effects out, a frame per batch.
    static func run(services: some ConsoleServices, backend: some TerminalBackend, initialProfile: String,
                    themeProblem: String? = nil) async throws -> Int32 {
        let queue = MessageQueue()
        try backend.start(post: { queue.post($0) })
        let signals = SignalWatch(queue: queue)
        let runner = EffectRunner(services: services, queue: queue, backend: backend)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                queue.post(.tick(now: ConsoleClock.now()))
            }
        }

        var (state, effects) = Update.start(initialProfile: initialProfile)
        state.now = ConsoleClock.now()
        if let themeProblem { effects += Update.apply(&state, .themeProblem(themeProblem)) }
        var pending = runner.run(effects)
        while !state.quitting {
            // Results of synchronous effects (validate, preview, topic) apply before drawing.
            while !pending.isEmpty, !state.quitting {
                let m = pending.removeFirst()
                pending += runner.run(Update.apply(&state, m))
            }
            if state.quitting { break }
            backend.present(Render.screen(state))
            for m in await queue.next() {
                pending += runner.run(Update.apply(&state, m))
                if state.quitting { break }
            }
        }
        ticker.cancel()
        runner.cancelAll()
        backend.stop()
        signals.cancel()
        return signals.received.map { 128 + $0 } ?? 0
    }
}

/// SIGINT, SIGTERM and SIGHUP quit through the normal path (without asking; a running send is
/// stopped and its records in flight get their outcomes, bounded), so the terminal is restored.
final class SignalWatch: @unchecked Sendable {
    // Set up in init, only cancelled after.
    private var sources: [DispatchSourceSignal] = []
    private let first = Mutex<Int32?>(nil)

    /// The first signal that arrived, if any.
    var received: Int32? { first.withLock { $0 } }

    init(queue: MessageQueue) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [weak self] in
                self?.first.withLock { if $0 == nil { $0 = sig } }
                queue.post(.terminate)
            }
            src.resume()
            sources.append(src)
        }
    }

    func cancel() {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }
}
