import Foundation

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
        let queue = MessageQueue()
        let backend = NCursesBackend(theme: theme, monochrome: noColor, post: { queue.post($0) })
        try backend.start()
        let signals = SignalWatch(queue: queue)
        let runner = EffectRunner(services: services, queue: queue, backend: backend)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                queue.post(.tick(now: Clock.now()))
            }
        }

        var (state, effects) = Update.start(initialProfile: initialProfile)
        state.now = Clock.now()
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

enum Clock {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// SIGINT, SIGTERM and SIGHUP quit through the normal path, so the terminal is restored.
final class SignalWatch: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var first: Int32?

    /// The first signal that arrived, if any.
    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    init(queue: MessageQueue) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [weak self] in
                if let self {
                    self.lock.lock()
                    if self.first == nil { self.first = sig }
                    self.lock.unlock()
                }
                queue.post(.key(.ctrl("c")))
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

/// Runs effects through the services. Quick synchronous calls return their result messages
/// at once; everything else runs in tasks that post messages, so input never waits.
final class EffectRunner<S: ConsoleServices>: @unchecked Sendable {
    // Only touched from the console loop.
    private var sends: [Int: Task<Void, Never>] = [:]
    private var doctors: [Int: Task<Void, Never>] = [:]
    private let services: S
    private let queue: MessageQueue
    private let backend: NCursesBackend

    init(services: S, queue: MessageQueue, backend: NCursesBackend) {
        self.services = services
        self.queue = queue
        self.backend = backend
    }

    func run(_ effects: [Effect]) -> [Msg] {
        var out: [Msg] = []
        for e in effects { if let m = run(e) { out.append(m) } }
        return out
    }

    private func run(_ effect: Effect) -> Msg? {
        let services = self.services
        let queue = self.queue
        switch effect {
        case .loadProfiles:
            Task { queue.post(.profilesLoaded(await services.profiles())) }
        case .activate(let name, let prompted):
            Task {
                do { queue.post(.activated(profile: name, .success(try await services.activate(profile: name, prompted: prompted)))) } catch {
                    queue.post(.activated(profile: name, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .resolveTopic(let topic, let profile):
            do { return .topicResolved(topic: topic, profile: profile, .success(try services.fullTopic(topic, profile: profile))) } catch {
                return .topicResolved(topic: topic, profile: profile, .failure(ServiceFailure(String(describing: error))))
            }
        case .validate(let rev, let event):
            return .validated(revision: rev, services.validate(event))
        case .preview(let rev, let event):
            return .previewed(revision: rev, services.preview(event, seq: 1))
        case .completePath(let prefix):
            return .completions(prefix: prefix, services.completePath(prefix))
        case .send(let r):
            let stream = services.send(profile: r.profile, topic: r.topic, events: r.source, mode: r.mode)
            sends[r.id] = Task {
                for await event in stream {
                    queue.post(.sendEvents(id: r.id, [event], now: Clock.now()))
                }
                queue.post(.sendEnded(id: r.id))
            }
        case .cancelSend(let id):
            sends[id]?.cancel()
            sends[id] = nil
        case .discover(let profile):
            Task {
                do { queue.post(.discovered(profile: profile, .success(try await services.discover(profile: profile)))) } catch {
                    queue.post(.discovered(profile: profile, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .probe(let host):
            Task { queue.post(.probed(hostPort: host, await services.probe(hostPort: host))) }
        case .loadFile(let path, let limit):
            Task {
                do {
                    let r = try await services.loadFile(path: path, limit: limit)
                    queue.post(.fileLoaded(path: path, .success(LoadedFile(count: r.count, first: r.first))))
                } catch {
                    queue.post(.fileLoaded(path: path, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .doctor(let run, let profile, let topic):
            let stream = services.doctor(profile: profile, topic: topic)
            doctors[run] = Task {
                for await step in stream {
                    queue.post(.doctorStep(run: run, step))
                }
                queue.post(.doctorEnded(run: run))
            }
        case .cancelDoctor(let run):
            doctors[run]?.cancel()
            doctors[run] = nil
        case .copyToClipboard(let text):
            backend.copyToClipboard(text)
        case .quit:
            break
        }
        return nil
    }

    func cancelAll() {
        for t in sends.values { t.cancel() }
        sends = [:]
        for t in doctors.values { t.cancel() }
        doctors = [:]
    }
}
