import Foundation
import Synchronization
import IngestCore
import IngestTUI

/// The console's services, backed by the real core: profiles, sessions (REST client, embedded
/// sandbox, native target), the one `Sender`, the journal and the doctor. One session per
/// profile, opened when the operator activates it.
public actor LiveConsoleServices: ConsoleServices {
    private let store: ProfileStore
    /// A session being opened or open, per profile; concurrent activations share one opening.
    private var sessions: [String: (prompted: PromptedSecrets, opening: Task<ProfileSession, Error>)] = [:]
    private let held = HeldRecords()
    /// Sends still running, by id, so that `stop` can cancel one.
    private let running = Mutex<[Int: Task<Void, Never>]>([:])

    /// How a profile is opened: `ProfileSession.open` (tests count or slow it).
    public typealias Opener = @Sendable (Profile, PromptedSecrets) async throws -> ProfileSession
    private let opener: Opener

    /// Drafts go to `stateDirectory` (the journal's by default).
    private let drafts: Drafts
    private let journalHistory: ConsoleHistory
    /// The saved sends, where `ingest send --saved` finds them (`--sends DIR`).
    let savedStore: SavedSendStore

    public init(store: ProfileStore = .standard(), stateDirectory: String = JournalStore.defaultDirectory(),
                sends: SavedSendStore = .standard(),
                opener: @escaping Opener = { try await ProfileSession.open($0, prompted: $1) }) {
        self.store = store
        self.opener = opener
        savedStore = sends
        drafts = Drafts(stateDirectory: stateDirectory)
        journalHistory = ConsoleHistory(stateDirectory: stateDirectory)
    }

    public func close() async {
        let all = sessions.values.map(\.opening)
        sessions = [:]
        for opening in all { try? await opening.value.close() }
    }

    public nonisolated func profiles() async -> [ProfileSummary] {
        store.all().map { entry in
            switch entry.result {
            case .success(let profile): return profile.summary()
            case .failure(let error):
                return ProfileSummary(name: entry.name, environment: .dev, source: entry.file.path, topicPrefix: "", baseURL: "",
                                      maskedAPIKey: "", needsPromptedSecret: false, problem: error.description)
            }
        }
    }

    /// Opens the profile's session; with newly typed secrets, replaces the one opened with the
    /// old ones (a mistyped secret must not stick for the session).
    public func activate(profile name: String, prompted: PromptedSecrets) async throws -> ProfileSummary {
        do {
            return try await session(name, prompted: prompted).summary
        } catch {
            throw ServiceFailure(SecretScrubber.scrub("\(error)"))
        }
    }

    func session(_ name: String, prompted: PromptedSecrets? = nil) async throws -> ProfileSession {
        if let slot = sessions[name], prompted == nil || prompted == slot.prompted || prompted?.isEmpty == true {
            return try await slot.opening.value
        }
        let previous = sessions[name]?.opening
        let store = self.store
        let opener = self.opener
        let answers = prompted ?? PromptedSecrets()
        let opening = Task {
            if let previous { try? await previous.value.close() }
            return try await opener(store.load(name), answers)
        }
        sessions[name] = (answers, opening)
        do {
            return try await opening.value
        } catch {
            // A failed opening is forgotten, so the next activation tries again.
            if sessions[name]?.opening == opening { sessions[name] = nil }
            throw error
        }
    }

    public nonisolated func loadFile(path: String, limit: Int) async throws -> LoadedFile {
        let reader = try EventFileReader(path: Self.expandingTilde(path))
        var first: [EventTemplate] = []
        var count = 0
        while let record = try reader.next() {
            count += 1
            if first.count < limit { first.append(EventTemplate(shown: record)) }
            if count % 10_000 == 0 { try Task.checkCancellation() }
        }
        return LoadedFile(count: count, first: first)
    }

    static func expandingTilde(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }

    /// A file source's `~` expanded, as a shell would have.
    static func expandingTilde(_ plan: SendPlan) -> SendPlan {
        var plan = plan
        if case .file(let path, let format, let valueType) = plan.source {
            plan.source = .file(path: expandingTilde(path), format: format, valueType: valueType)
        }
        return plan
    }

    public nonisolated func completePath(_ prefix: String) -> [String] {
        let expanded = Self.expandingTilde(prefix)
        let directory = expanded.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
        let stem = expanded.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return [] }
        return names.filter { $0.hasPrefix(stem) && !$0.hasPrefix(".") }.sorted().map { name in
            let path = (directory.isEmpty ? "" : (directory.hasSuffix("/") ? directory : directory + "/")) + name
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            return isDirectory.boolValue ? path + "/" : path
        }
    }

    public func discover(profile: String) async throws -> Discovery {
        do {
            return try await session(profile).client.discover()
        } catch {
            throw ServiceFailure(SecretScrubber.scrub("\(error)"))
        }
    }

    /// TCP connect time to a broker: shows at once whether this machine's IP is whitelisted.
    public nonisolated func probe(_ broker: HostPort) async -> Result<Double, ProbeFailure> {
        await ConnectProbe.connect(host: broker.host, port: broker.port, timeoutSeconds: 3)
    }

    public nonisolated func send(id: Int, profile: String, plan: SendPlan, reason: String?) -> AsyncStream<SendEvent> {
        let (stream, continuation) = AsyncStream<SendEvent>.makeStream()
        let plan = Self.expandingTilde(plan)
        let task = Task { [plan] in
            defer { self.running.withLock { _ = $0.removeValue(forKey: id) } }
            do {
                let session = try await self.session(profile)
                // The journal first: what the operator sees is always in the journal.
                var sinks: [any SendSink] = []
                if let store = try? JournalStore(directory: self.journalHistory.stateDirectory),
                   let journal = try? JournalSink(plan: plan, profile: session.profile, reason: reason, store: store) {
                    sinks.append(journal)
                    self.journalHistory.remember(run: journal.runID, plan: plan)
                    continuation.yield(.journaled(run: journal.runID))
                }
                sinks.append(ConsoleSink(send: id, held: self.held, continuation: continuation))
                _ = await session.sender.run(plan, sinks: sinks)
            } catch {
                continuation.yield(.refused(SecretScrubber.scrub("\(error)")))
            }
            continuation.finish()
        }
        running.withLock { $0[id] = task }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public nonisolated func stop(send id: Int) {
        running.withLock { $0[id] }?.cancel()
    }

    public nonisolated func draft(profile: String) -> ComposeDraft? { drafts.load(profile) }

    public nonisolated func saveDraft(_ draft: ComposeDraft, profile: String) { drafts.save(draft, profile: profile) }

    public nonisolated func history(limit: Int) async throws -> [PastRun] {
        do { return try journalHistory.runs(limit: limit) } catch { throw ServiceFailure(SecretScrubber.scrub("\(error)")) }
    }

    public nonisolated func pastSend(run: String) async throws -> LoadedSend {
        do { return try journalHistory.pastSend(run: run) } catch { throw ServiceFailure(SecretScrubber.scrub("\(error)")) }
    }

    public nonisolated func copy(_ text: String) async -> String {
        Clipboard().copy(text)
    }

    public nonisolated func records(send: Int, seqs: [Int]) async -> [Int: EventRecord] {
        held.records(send: send, seqs: seqs)
    }

    /// The doctor `ingest doctor` runs, on this profile's session (opened if it is not yet).
    public nonisolated func doctor(profile: String, topic: String?) -> AsyncStream<DoctorCheck> {
        let (stream, continuation) = AsyncStream<DoctorCheck>.makeStream()
        let task = Task {
            let session: ProfileSession
            do {
                session = try await self.session(profile)
            } catch {
                continuation.yield(ProfileSession.profileCheck(failure: error))
                continuation.finish()
                return
            }
            continuation.yield(session.profileCheck)
            _ = await session.doctor(topic: topic).run { check in
                var check = check
                check.detail = SecretScrubber.scrub(check.detail)
                check.advice = check.advice.map(SecretScrubber.scrub)
                continuation.yield(check)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension EventTemplate {
    /// A record as the Load view shows it: its value as text (base64 for BINARY).
    init(shown record: EventRecord) {
        let value = record.value.map { $0.type == .binary ? Data($0.data).base64EncodedString() : String(decoding: $0.data, as: UTF8.self) } ?? "null"
        self.init(valueType: record.value?.type ?? .json, value: value, key: record.key.map { String(decoding: $0.data, as: UTF8.self) },
                  headers: record.headers.map { HeaderTemplate(name: $0.name, value: String(decoding: $0.value ?? [], as: UTF8.self)) },
                  partition: record.partition)
    }
}
