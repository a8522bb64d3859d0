import Foundation
import IngestModel
import IngestTUI
import Synchronization

/// In-memory `ConsoleServices` for golden tests, update tests and the `ingest-tui-demo`
/// executable: no network, no core. Records are built by the model's own rules; the clock and
/// randomness are fixed, so every screen is the same on every run.
public final class PreviewServices: ConsoleServices {
    public let profileList: [ProfileSummary]
    /// Files the Load view can find: path -> records.
    public let files: [String: [EventTemplate]]
    /// Delay between reports of a send (0 in tests).
    public let reportDelay: Duration
    /// Every record whose seq % failEvery == 42 % failEvery fails (0 disables).
    public let failEvery: Int
    /// The records of every send so far, for `records(send:seqs:)`.
    private let sent = Mutex<[Int: [Int: EventRecord]]>([:])
    private let running = Mutex<[Int: Task<Void, Never>]>([:])
    /// The saved sends of the preview, by name (`PreviewServices+Workflow`).
    let saved = Mutex<[String: SavedSend]>(PreviewServices.savedExamples)

    /// The fixed clock of the preview: 2026-11-25T03:00:00Z.
    public static let now = Date(timeIntervalSince1970: 1_764_039_600)

    public init(reportDelay: Duration = .milliseconds(2), failEvery: Int = 100) {
        self.reportDelay = reportDelay
        self.failEvery = failEvery
        profileList = [
            ProfileSummary(name: "sandbox", environment: .sandbox, source: "built in", topicPrefix: "ing-sandbox-", baseURL: "http://127.0.0.1:8082/v3", maskedAPIKey: "(none)", needsPromptedSecret: false),
            ProfileSummary(name: "dev", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "AKd3…9f2Q", needsPromptedSecret: false),
            ProfileSummary(name: "dev-prompt", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "(prompt)", needsPromptedSecret: true),
            ProfileSummary(name: "prod", environment: .production, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-production-", baseURL: "https://producer.msk-rest-proxy.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "PRk1…0a7Z", needsPromptedSecret: false),
            ProfileSummary(name: "broken", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "", maskedAPIKey: "(missing)", needsPromptedSecret: false, problem: "api_key missing"),
        ]
        files = [
            "/data/events.jsonl": (1...3).map { EventTemplate(valueType: .json, value: "{\"playerId\": \"p\($0)\", \"amount\": \($0 * 10)}", key: "p\($0)") },
            "/data/events-big.jsonl": (1...5).map { EventTemplate(valueType: .json, value: "{\"n\": \($0)}") },
            "/data/notes.txt": [EventTemplate(valueType: .string, value: "hello")],
        ]
    }

    /// Record 1 of a template with the preview's fixed clock and randomness.
    public static func preview(_ event: EventTemplate) -> Result<EventRecord, ServiceFailure> {
        var generator = SeededRandom(seed: 1)
        return Result { try TemplateSource(event).record(seq: 1, now: now, using: &generator) }.mapError { ServiceFailure("\($0)") }
    }

    public func profiles() async -> [ProfileSummary] { profileList }

    public func activate(profile: String, prompted: PromptedSecrets) async throws -> ProfileSummary {
        guard let p = profileList.first(where: { $0.name == profile }) else { throw ServiceFailure("no profile named \(profile)") }
        if let problem = p.problem { throw ServiceFailure(problem) }
        if p.needsPromptedSecret, (prompted.apiKey ?? "").isEmpty { throw ServiceFailure("this profile needs its API key") }
        if p.needsPromptedKafkaPassword, (prompted.kafkaPassword ?? "").isEmpty { throw ServiceFailure("this profile needs its Kafka password") }
        return p
    }

    public func loadFile(path: String, limit: Int) async throws -> LoadedFile {
        guard let records = files[path] else { throw ServiceFailure("\(path): no such file") }
        return LoadedFile(count: records.count, first: Array(records.prefix(limit)))
    }

    public func completePath(_ prefix: String) -> [String] {
        var out = Set<String>()
        for path in files.keys where path.hasPrefix(prefix) {
            // Complete one path component at a time, like a shell.
            let rest = path.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                out.insert(prefix + rest[...slash])
            } else {
                out.insert(path)
            }
        }
        return out.sorted()
    }

    static let brokers = (1...3).map { HostPort(host: "b-\($0).msk-preview.kafka.eu-west-1.amazonaws.com", port: 9096) }

    public func discover(profile: String) async throws -> Discovery {
        guard profileList.contains(where: { $0.name == profile }) else { throw ServiceFailure("no profile named \(profile)") }
        return Discovery(clusterID: "lkc-preview-01", brokers: Self.brokers)
    }

    public func probe(_ broker: HostPort) async -> Result<Double, ProbeFailure> {
        broker.host.hasPrefix("b-3") ? .failure(.timedOut(seconds: 3)) : .success(broker.host.hasPrefix("b-1") ? 11.4 : 23.9)
    }

    /// The records a plan names, built by the model with the fixed clock and randomness.
    func records(_ source: PlanSource) throws -> [EventRecord] {
        var generator = SeededRandom(seed: 1)
        switch source {
        case .template(let event, let count):
            let template = try TemplateSource(event, count: count)
            return try (1...max(1, count)).map { try template.record(seq: $0, now: Self.now, using: &generator) }
        case .file(let path, _, _):
            return try (files[path] ?? []).map { try TemplateSource($0).record(seq: 1, now: Self.now, using: &generator) }
        case .records(let records, _):
            return records
        }
    }

    public func send(id: Int, profile: String, plan: SendPlan, reason: String?) -> AsyncStream<SendEvent> {
        let (stream, continuation) = AsyncStream<SendEvent>.makeStream()
        let records: [EventRecord]
        do { records = try self.records(plan.source) } catch {
            continuation.yield(.refused("\(error)"))
            continuation.finish()
            return stream
        }
        sent.withLock { $0[id] = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($0.offset + 1, $0.element) }) }
        let run = PastRun(id: "preview-\(id)", time: "2026-11-25T03:00:00.000Z", profile: profile, topic: plan.topic, mode: plan.transport.modeName,
                          source: plan.source.journalName, delivered: 0, failed: 0, unknown: 0, state: "running")
        runs.withLock { $0.append((run, plan)) }
        continuation.yield(.journaled(run: run.id))
        var interval = reportDelay
        if let rate = plan.options.ratePerSecond, rate > 0 { interval = .nanoseconds(Int64(1e9 / rate)) }
        let failEvery = self.failEvery
        let isResend = if case .records = plan.source { true } else { false }
        let task = Task {
            var delivered = 0, failed = 0
            for seq in 1...records.count {
                if Task.isCancelled { break }
                if interval > .zero { try? await Task.sleep(for: interval) }
                if Task.isCancelled { break }
                let fails = !isResend && failEvery > 0 && seq % failEvery == 42 % failEvery
                let report = fails
                    ? DeliveryReport(seq: seq, outcome: .failed(code: 400, message: "Bad Request: preview failure"), latencyMilliseconds: 3.0)
                    : DeliveryReport(seq: seq, outcome: .delivered(partition: seq % 3, offset: Int64(999 + seq), timestamp: "2026-11-25T03:00:00.\(String(format: "%03d", seq % 1000))Z"),
                                     latencyMilliseconds: 2.0 + Double(seq % 7))
                if fails { failed += 1 } else { delivered += 1 }
                continuation.yield(.reports([report], sent: min(records.count, seq + 64)))
            }
            // Like the core's Sender: a stopped send still finishes, with what it sent.
            continuation.yield(.finished(delivered: delivered, failed: failed, unknown: 0, stopReason: Task.isCancelled ? "stopped by the operator" : nil))
            continuation.finish()
        }
        running.withLock { $0[id] = task }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Stops a send: reports stop coming, and the stream ends with the counts so far.
    public func stop(send id: Int) {
        running.withLock { $0.removeValue(forKey: id) }?.cancel()
    }

    private let drafts = Mutex<[String: ComposeDraft]>([:])
    /// Sends of this process, by journal run id (`preview-N`), newest last.
    private let runs = Mutex<[(run: PastRun, plan: SendPlan)]>([])

    /// Two runs of an "earlier session": one made in the console (its template is known), one
    /// whose journal kept only digests.
    public static let earlierRuns: [(run: PastRun, loaded: LoadedSend)] = [
        (PastRun(id: "3f2a9c1e", time: "2026-11-24T16:05:12.000Z", profile: "dev", topic: "ing-staging-players", mode: "batch",
                 source: "data", delivered: 25, failed: 0, unknown: 0, state: "finished"),
         LoadedSend(draft: ComposeDraft(plan: SendPlan(topic: "ing-staging-players", source: .template(
             EventTemplate(value: "{\"playerId\": \"{{uuid}}\", \"level\": {{rand_int 1 9}}}", key: "p-{{seq}}"), count: 25), transport: .rest(.batch))))),
        (PastRun(id: "0b77d4a2", time: "2026-11-23T09:41:00.000Z", profile: "dev", topic: "ing-staging-bets", mode: "single",
                 source: "data", delivered: 0, failed: 1, unknown: 0, state: "finished", stopReason: "403 the gateway refused the key"),
         LoadedSend(draft: { var d = ComposeDraft(); d.topic = "ing-staging-bets"; d.mode = "single"; return d }(),
                    note: "the journal kept only a digest of its records (journal_values = false): topic and mode loaded, not the value")),
    ]

    public func draft(profile: String) -> ComposeDraft? { drafts.withLock { $0[profile] } }

    public func saveDraft(_ draft: ComposeDraft, profile: String) { drafts.withLock { $0[profile] = draft } }

    public func history(limit: Int) async throws -> [PastRun] {
        let own = runs.withLock { $0.map(\.run) }
        return Array((own.reversed() + Self.earlierRuns.map(\.run)).prefix(limit))
    }

    public func pastSend(run: String) async throws -> LoadedSend {
        if let plan = runs.withLock({ $0.first { $0.run.id == run }?.plan }) { return LoadedSend(draft: ComposeDraft(plan: plan)) }
        guard let earlier = Self.earlierRuns.first(where: { $0.run.id == run }) else { throw ServiceFailure("no run \(run) in the journal") }
        return earlier.loaded
    }

    /// Copies go nowhere but the terminal (OSC 52) here.
    public func copy(_ text: String) async -> String { "the preview clipboard" }

    public func records(send: Int, seqs: [Int]) async -> [Int: EventRecord] {
        let held = sent.withLock { $0[send] } ?? [:]
        return held.filter { seqs.contains($0.key) }
    }

    /// The doctor's checks for a preview profile: the sandbox passes every check (TLS is skipped
    /// on plain http), the others stop at broker reach as a machine whose IP is not whitelisted
    /// would; `broken` stops at its profile. A step every 50 × `reportDelay` (at once in tests).
    public func doctorSteps(profile: String, topic: String?) -> [DoctorCheck] {
        guard let p = profileList.first(where: { $0.name == profile }) else {
            return [DoctorCheck(.profile, status: .fail, detail: "no profile named \(profile)", advice: "fix the profile or set the secret it refers to")]
        }
        if let problem = p.problem {
            return [DoctorCheck(.profile, status: .fail, detail: problem, advice: "fix the profile or set the secret it refers to")]
        }
        let profileStep = DoctorCheck(.profile, status: .pass, detail: "\(p.name) (\(p.environment.rawValue)), api_key \(p.maskedAPIKey)")
        let topicStep = topic.map { DoctorCheck(.topic, status: .pass, detail: "\($0): 3 partitions") }
            ?? DoctorCheck(.topic, status: .skip, detail: "give --topic to check one", skipReason: .noTopic)
        if p.environment == .sandbox {
            let brokers = ["127.0.0.1:39093", "127.0.0.1:39094", "127.0.0.1:39095"]
            return [
                profileStep,
                DoctorCheck(.dns, status: .pass, detail: "127.0.0.1 -> 127.0.0.1"),
                DoctorCheck(.tcp, status: .pass, detail: "127.0.0.1:8082 connected in 0.4 ms"),
                DoctorCheck(.tls, status: .skip, detail: "plain http on loopback (the sandbox)"),
                DoctorCheck(.apiKey, status: .pass, detail: "GET /clusters accepted"),
                DoctorCheck(.cluster, status: .pass, detail: "sandbox-cluster-1"),
                DoctorCheck(.brokers, status: .pass, detail: brokers.joined(separator: ",")),
                DoctorCheck(.brokerReach, status: .pass, detail: brokers.map { "\($0) 0.3 ms" }.joined(separator: ", ")),
                DoctorCheck(.kafkaLogin, status: .pass, detail: "SASL_SSL, SCRAM-SHA-512 as producer"),
                topicStep,
            ]
        }
        let host = p.baseURL.split(separator: "/").dropFirst().first.map(String.init) ?? "proxy"
        let brokers = Self.brokers.map(\.description)
        return [
            profileStep,
            DoctorCheck(.dns, status: .pass, detail: "\(host) -> 10.20.1.17, 10.20.2.41"),
            DoctorCheck(.tcp, status: .pass, detail: "\(host):443 connected in 18.2 ms"),
            DoctorCheck(.tls, status: .pass, detail: "TLS 1.3, certificate valid until 2027-03-01T00:00:00Z (96 days)"),
            DoctorCheck(.apiKey, status: .pass, detail: "GET /clusters accepted"),
            DoctorCheck(.cluster, status: .pass, detail: "lkc-preview-01"),
            DoctorCheck(.brokers, status: .pass, detail: brokers.joined(separator: ",")),
            DoctorCheck(.brokerReach, status: .fail, detail: "\(brokers[2]): no answer in 5 s",
                        advice: "brokers accept only whitelisted source IPs: share this machine's public IP with Future Anthem"),
            .skipped(.kafkaLogin),
            .skipped(.topic),
        ]
    }

    public func doctor(profile: String, topic: String?) -> AsyncStream<DoctorCheck> {
        let steps = doctorSteps(profile: profile, topic: topic)
        let delay = reportDelay
        let (stream, continuation) = AsyncStream<DoctorCheck>.makeStream()
        let task = Task {
            for step in steps {
                if delay > .zero { try? await Task.sleep(for: delay * 50) }
                if Task.isCancelled { break }
                continuation.yield(step)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
