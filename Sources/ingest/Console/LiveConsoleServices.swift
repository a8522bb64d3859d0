import Foundation
import IngestCore
import IngestTUI
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The console's services, backed by the real core: profiles, the REST client, the embedded
/// sandbox, the journal. One session per profile, opened when the operator activates it.
actor LiveConsoleServices: ConsoleServices {
    private let store: ProfileStore
    private var sessions: [String: Session] = [:]

    init(store: ProfileStore = .standard()) {
        self.store = store
    }

    func close() async {
        for session in sessions.values { await session.close() }
        sessions = [:]
    }

    nonisolated func profiles() async -> [ProfileSummary] {
        store.all().map { entry in
            switch entry.result {
            case .success(let profile): return Self.summary(profile)
            case .failure(let error):
                return ProfileSummary(name: entry.name, environment: .dev, source: entry.file.path, topicPrefix: "", baseURL: "",
                                      maskedAPIKey: "", needsPromptedSecret: false, problem: error.description)
            }
        }
    }

    static func summary(_ profile: Profile, baseURL: String? = nil) -> ProfileSummary {
        let environment: ConsoleEnvironment = switch profile.environment {
        case .sandbox: .sandbox
        case .dev: .dev
        case .production: .production
        }
        var problem: String?
        do { try profile.checkUsable() } catch { problem = "\(error)" }
        return ProfileSummary(name: profile.name, environment: environment, source: profile.source, topicPrefix: profile.topicPrefix,
                              baseURL: baseURL ?? (profile.isEmbeddedSandbox ? "embedded sandbox" : profile.baseURL),
                              maskedAPIKey: Profiles.describe(profile.apiKey, what: "api_key"),
                              needsPromptedSecret: profile.apiKey == .prompt,
                              needsPromptedKafkaPassword: profile.kafka.password == .prompt, problem: problem,
                              suggestedTopic: profile.environment == .sandbox ? profile.sandbox?.topics.first : nil)
    }

    func activate(profile name: String, prompted: PromptedSecrets) async throws -> ProfileSummary {
        if let session = sessions[name] { return Self.summary(session.profile, baseURL: session.client.baseURL) }
        let profile = try store.load(name)
        let session: Session
        do {
            session = try await Session.open(
                profile, promptedSecret: prompted.apiKey, promptedKafkaPassword: prompted.kafkaPassword, inConsole: true)
        } catch {
            throw ProbeError(SecretScrubber.scrub("\(error)"))
        }
        sessions[name] = session
        return Self.summary(profile, baseURL: session.client.baseURL)
    }

    private func session(_ name: String) async throws -> Session {
        if let session = sessions[name] { return session }
        _ = try await activate(profile: name, prompted: PromptedSecrets())
        return sessions[name]!
    }

    nonisolated func fullTopic(_ topic: String, profile: String) throws -> String {
        try store.load(profile).fullTopic(topic)
    }

    nonisolated func validate(_ event: ComposedEvent) -> ValidationResult {
        do {
            _ = try Self.record(event, seq: 1)
            return .ok
        } catch let error as JSONSyntaxError {
            return .invalid(line: error.line, column: error.column, message: error.message)
        } catch {
            return .invalid(line: 1, column: 1, message: "\(error)")
        }
    }

    nonisolated func preview(_ event: ComposedEvent, seq: Int) -> String {
        do {
            return String(decoding: RecordEncoding.produceRequest(try Self.record(event, seq: seq)), as: UTF8.self)
        } catch {
            return "\(error)"
        }
    }

    /// The composed event as the core's templated source, `count` times.
    static func source(_ event: ComposedEvent, count: Int) throws -> TemplateSource {
        let type: ValueType = switch event.valueType {
        case .json: .json
        case .string: .string
        case .binary: .binary
        }
        return try TemplateSource(value: event.value, valueType: type, key: event.key,
                                  headers: event.headers.map { (name: $0.name, value: $0.value) }, partition: event.partition, count: count)
    }

    /// The record a composed event stands for, templates expanded for `seq`. JSON is checked
    /// first on its own so that the editor gets the error's line and column.
    static func record(_ event: ComposedEvent, seq: Int) throws -> EventRecord {
        if event.valueType == .json { try JSONValidator.validate(try Template(event.value).expand(seq: seq)) }
        return try source(event, count: seq).record(seq: seq)
    }

    nonisolated func loadFile(path: String, limit: Int) async throws -> (count: Int, first: [ComposedEvent]) {
        let expanded = (path as NSString).expandingTildeInPath
        let reader = try EventFileReader(path: expanded)
        var first: [ComposedEvent] = []
        var count = 0
        while let record = try reader.next() {
            count += 1
            if first.count < limit { first.append(Self.composed(record)) }
            if count % 10_000 == 0 { try Task.checkCancellation() }
        }
        return (count, first)
    }

    static func composed(_ record: EventRecord) -> ComposedEvent {
        let type: EventValueType = switch record.value?.type ?? .json {
        case .json: .json
        case .string: .string
        case .binary: .binary
        }
        let value = record.value.map { $0.type == .binary ? Data($0.data).base64EncodedString() : String(decoding: $0.data, as: UTF8.self) } ?? "null"
        return ComposedEvent(valueType: type, value: value, key: record.key.map { String(decoding: $0.data, as: UTF8.self) },
                             headers: record.headers.map { Header(name: $0.name, value: String(decoding: $0.value ?? [], as: UTF8.self)) },
                             partition: record.partition)
    }

    nonisolated func completePath(_ prefix: String) -> [String] {
        let expanded = (prefix as NSString).expandingTildeInPath
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

    func discover(profile: String) async throws -> IngestTUI.Discovery {
        let discovery = try await session(profile).client.discover()
        return IngestTUI.Discovery(clusterID: discovery.clusterID, brokers: discovery.brokers.map(\.description))
    }

    /// TCP connect time to a broker: shows at once whether this machine's IP is whitelisted.
    nonisolated func probe(hostPort: String) async -> Result<Double, ProbeError> {
        guard let target = HostPort(hostPort) else { return .failure(ProbeError("\(hostPort) is not host:port")) }
        let started = NIODeadline.now()
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(3))
                .connect(host: target.host, port: target.port).get()
            let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e6
            try? await channel.close()
            return .success(elapsed)
        } catch {
            let text = "\(error)"
            if text.contains("connectTimeout") || text.contains("timed out") {
                return .failure(ProbeError("no answer in 3 s: is this machine's IP whitelisted?"))
            }
            if text.contains("refused") { return .failure(ProbeError("connection refused")) }
            return .failure(ProbeError("cannot connect: \(text)"))
        }
    }

    nonisolated func send(profile: String, topic: String, events: EventSource, mode: IngestTUI.SendMode) -> AsyncStream<SendEvent> {
        let (stream, continuation) = AsyncStream<SendEvent>.makeStream()
        let task = Task {
            do {
                let session = try await self.session(profile)
                try await Self.run(session: session, topic: topic, events: events, mode: mode, continuation: continuation)
            } catch {
                continuation.yield(.error(SecretScrubber.scrub("\(error)")))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func run(session: Session, topic: String, events: EventSource, mode: IngestTUI.SendMode,
                    continuation: AsyncStream<SendEvent>.Continuation) async throws {
        var options = SendOptions()
        let coreMode: IngestCore.SendMode
        var count: Int?
        switch mode {
        case .single: coreMode = .single
        case .batch: coreMode = .batch
        case .stream(let streamCount, let rate, let window):
            coreMode = .stream
            count = streamCount
            options.ratePerSecond = rate
            options.window = window
        case .native:
            coreMode = .stream
        }
        let source: RecordSource
        let sourceName: String
        switch events {
        case .composed(let event, let composedCount):
            source = try Self.source(event, count: count ?? composedCount)
            sourceName = "data"
        case .file(let path):
            source = try EventFileReader(path: (path as NSString).expandingTildeInPath)
            sourceName = "file:" + (path as NSString).expandingTildeInPath
        case .resend(let rows):
            source = ListSource(try rows.map { try RecordShape.record(fromJSON: Array($0.request.utf8), valueType: .json) })
            sourceName = "resend"
        }
        let native = mode == .native ? NativeSender.configuration(try await session.nativeTarget()) : nil
        let journal = try? JournalStore(directory: JournalStore.defaultDirectory()).beginRun(JournalRunInfo(
            profile: session.profile, topic: topic, transport: native == nil ? "rest" : "native",
            mode: native == nil ? coreMode.rawValue : "native", source: sourceName), keepValues: session.profile.journalValues)
        // The request of each record in flight, so a report row can show what was sent.
        let requests = NIOLockedValueBox<[Int: String]>([:])
        options.onRecordRead = { seq, record, request in
            journal?.willSend(seq: seq, record: record)
            requests.withLockedValue { $0[seq] = String(decoding: request, as: UTF8.self) }
        }
        let onReport: @Sendable (DeliveryReport) -> Void = { report in
            journal?.record(CollectionOfOne(report))
            let request = requests.withLockedValue { $0.removeValue(forKey: report.seq) } ?? ""
            continuation.yield(.report(Self.row(report, request: request)))
        }
        let result = if let native {
            await NativeSender.send(source: source, topic: topic, configuration: native, options: options, onReport: onReport)
        } else {
            await session.client.send(source: source, topic: topic, mode: coreMode, options: options, onReport: onReport)
        }
        journal?.finish(delivered: result.ledger.delivered, failed: result.ledger.failed, unknown: result.ledger.unknown, stopReason: result.stopReason)
        continuation.yield(.finished(delivered: result.ledger.delivered, failed: result.ledger.failed, unknown: result.ledger.unknown))
        if let reason = result.stopReason { continuation.yield(.error(SecretScrubber.scrub(reason))) }
    }

    static func row(_ report: DeliveryReport, request: String) -> ReportRow {
        switch report.outcome {
        case .delivered(let partition, let offset, let timestamp):
            return ReportRow(seq: report.seq, outcome: .delivered, partition: partition, offset: offset, timestamp: timestamp,
                             latencyMs: report.latencyMilliseconds, request: request)
        case .failed(let code, let message):
            return ReportRow(seq: report.seq, outcome: .failed, latencyMs: report.latencyMilliseconds, errorCode: code, message: SecretScrubber.scrub(message), request: request)
        case .unknown(let message):
            return ReportRow(seq: report.seq, outcome: .unknown, latencyMs: report.latencyMilliseconds, message: SecretScrubber.scrub(message), request: request)
        }
    }
}

// MARK: doctor

extension LiveConsoleServices {
    /// The doctor `ingest doctor` runs, on this profile's session (opened if it is not yet).
    nonisolated func doctor(profile: String, topic: String?) -> AsyncStream<DoctorStep> {
        let (stream, continuation) = AsyncStream<DoctorStep>.makeStream()
        let task = Task {
            let session: Session
            do {
                session = try await self.session(profile)
            } catch {
                continuation.yield(Self.step(Session.profileCheck(failure: error)))
                continuation.finish()
                return
            }
            continuation.yield(Self.step(session.profileCheck))
            _ = await session.doctor(topic: topic).run { check in
                var step = Self.step(check)
                // The core's "give --topic" speaks to the CLI; here the topic comes from Compose.
                if check.name == "topic", check.status == .skip, check.detail.contains("--topic") { step.detail = "no topic: type one in Compose (1)" }
                continuation.yield(step)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func step(_ check: DoctorCheck) -> DoctorStep {
        let status: DoctorStep.Status = switch check.status {
        case .pass: .pass
        case .fail: .fail
        case .skip: .skip
        }
        return DoctorStep(name: check.name, status: status, detail: SecretScrubber.scrub(check.detail), advice: check.advice.map(SecretScrubber.scrub))
    }
}
