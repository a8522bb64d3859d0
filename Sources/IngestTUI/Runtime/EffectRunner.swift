import Foundation
import IngestModel
import Synchronization

/// Runs effects. Quick pure ones (previews) return their result messages at once; everything
/// that waits runs in a task that posts messages, so input never waits.
final class EffectRunner<S: ConsoleServices>: Sendable {
    private struct Tasks {
        var sends: [Int: Task<Void, Never>] = [:]
        var doctors: [Int: Task<Void, Never>] = [:]
        /// Every task started and not yet awaited by `idle()`.
        var started: [Task<Void, Never>] = []
    }

    private let tasks = Mutex(Tasks())
    private let services: S
    private let queue: MessageQueue
    private let backend: any TerminalBackend
    private let preview: @Sendable (EventTemplate) -> Result<EventRecord, ServiceFailure>

    /// `preview` renders Compose's record 1 (templates expanded); tests pass a repeatable one.
    init(services: S, queue: MessageQueue, backend: any TerminalBackend,
         preview: @escaping @Sendable (EventTemplate) -> Result<EventRecord, ServiceFailure> = EffectRunner.record1) {
        self.services = services
        self.queue = queue
        self.backend = backend
        self.preview = preview
    }

    /// Record 1 of a template, as the send will build it.
    static func record1(_ event: EventTemplate) -> Result<EventRecord, ServiceFailure> {
        Result { try TemplateSource(event).record(seq: 1) }.mapError { ServiceFailure("\($0)") }
    }

    func run(_ effects: [Effect]) -> [Msg] {
        effects.compactMap(run)
    }

    private func spawn(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let task = Task { await body() }
        tasks.withLock { $0.started.append(task) }
        return task
    }

    private func run(_ effect: Effect) -> Msg? {
        let services = self.services
        let queue = self.queue
        switch effect {
        case .loadProfiles:
            _ = spawn { queue.post(.profilesLoaded(await services.profiles())) }
        case .activate(let name, let prompted):
            _ = spawn {
                do { queue.post(.activated(profile: name, .success(try await services.activate(profile: name, prompted: prompted)))) } catch {
                    queue.post(.activated(profile: name, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .preview(let rev, let event):
            return .previewed(revision: rev, preview(event))
        case .completePath(let prefix):
            return .completions(prefix: prefix, services.completePath(prefix))
        case .send(let r):
            let stream = services.send(id: r.id, profile: r.profile, plan: r.plan, reason: r.reason)
            let task = spawn {
                for await event in stream {
                    queue.post(.sendEvents(id: r.id, [event], now: ConsoleClock.now()))
                }
                queue.post(.sendEnded(id: r.id))
                _ = self.tasks.withLock { $0.sends.removeValue(forKey: r.id) }
            }
            tasks.withLock { $0.sends[r.id] = task }
        case .cancelSend(let id):
            // The send stops reading; its stream goes on until the records in flight have
            // their outcomes, so they still reach the screen (and quitting waits for them).
            services.stop(send: id)
        case .discover(let profile):
            _ = spawn {
                do { queue.post(.discovered(profile: profile, .success(try await services.discover(profile: profile)))) } catch {
                    queue.post(.discovered(profile: profile, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .probe(let broker):
            _ = spawn { queue.post(.probed(broker, await services.probe(broker))) }
        case .loadFile(let path, let limit):
            _ = spawn {
                do {
                    queue.post(.fileLoaded(path: path, .success(try await services.loadFile(path: path, limit: limit))))
                } catch {
                    queue.post(.fileLoaded(path: path, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .doctor(let run, let profile, let topic):
            let stream = services.doctor(profile: profile, topic: topic)
            let task = spawn {
                for await step in stream {
                    queue.post(.doctorStep(run: run, step))
                }
                queue.post(.doctorEnded(run: run))
            }
            tasks.withLock { $0.doctors[run] = task }
        case .cancelDoctor(let run):
            tasks.withLock { $0.doctors.removeValue(forKey: run) }?.cancel()
        case .fetchRecords(let sendID, let seqs, let purpose):
            _ = spawn { queue.post(.recordsFetched(sendID: sendID, purpose: purpose, await services.records(send: sendID, seqs: seqs))) }
        case .copy(let text, let what):
            backend.copyToClipboard(text)
            _ = spawn { queue.post(.copied(what: what, to: await services.copy(text))) }
        case .loadDraft(let profile):
            return .draftLoaded(profile: profile, services.draft(profile: profile))
        case .saveDraft(let profile, let draft):
            services.saveDraft(draft, profile: profile)
        case .loadHistory:
            _ = spawn {
                do { queue.post(.historyLoaded(.success(try await services.history(limit: Update.historyLimit)))) } catch {
                    queue.post(.historyLoaded(.failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .loadPastSend(let run):
            _ = spawn {
                do { queue.post(.pastSendLoaded(run: run, .success(try await services.pastSend(run: run)))) } catch {
                    queue.post(.pastSendLoaded(run: run, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .loadSavedSends:
            _ = spawn { queue.post(.savedSendsLoaded(await services.savedSends())) }
        case .saveSend(let name, let send, let replace):
            _ = spawn {
                do { queue.post(.sendSaved(name: name, .success(try await services.saveSend(send, name: name, replace: replace)))) } catch {
                    queue.post(.sendSaved(name: name, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .copyAs(let format, let profile, let plan):
            _ = spawn {
                do { queue.post(.copyRendered(format, .success(try await services.copyAs(format, profile: profile, plan: plan)))) } catch {
                    queue.post(.copyRendered(format, .failure(ServiceFailure(String(describing: error)))))
                }
            }
        case .quit:
            break
        }
        return nil
    }

    /// Waits until every task started so far has ended (tests step the console with it).
    func idle() async {
        while true {
            let started = tasks.withLock { tasks -> [Task<Void, Never>] in
                defer { tasks.started = [] }
                return tasks.started
            }
            if started.isEmpty { return }
            for task in started { await task.value }
        }
    }

    func cancelAll() {
        let all = tasks.withLock { tasks -> [Task<Void, Never>] in
            defer { tasks = Tasks() }
            return Array(tasks.sends.values) + Array(tasks.doctors.values)
        }
        all.forEach { $0.cancel() }
    }
}

enum ConsoleClock {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
