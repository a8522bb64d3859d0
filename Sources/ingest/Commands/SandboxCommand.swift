import ArgumentParser
import Foundation
import IngestCore
import IngestSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the offline REST Proxy v3 stand-in until interrupted; prints its base URL and API key."
    )

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).") var port = 8082
    @Option(name: .customLong("api-key"), help: "The API key it accepts: a value, env:NAME or file:PATH (default: a new random one). A reference is not printed.") var apiKey: String?
    @Option(name: .customLong("kafka-password"), help: "The Kafka password of user producer: env:NAME or file:PATH (default: a new random one, printed).") var kafkaPassword: String?
    @Option(help: "Profile whose [sandbox] topics to create.") var profile = "local"
    @Option(name: .customLong("topic"), help: "Extra full topic name to create (repeatable).") var topics: [String] = []
    @Option(help: "Partitions per topic.") var partitions = 3
    @Option(name: .customLong("close-after"), help: "Fault: end each stream after N reports.") var closeAfter: Int?
    @Option(name: .customLong("drop-after"), help: "Fault: drop the connection after N reports.") var dropAfter: Int?
    @Flag(name: .customLong("drop-once"), help: "Fault: with --drop-after, drop only the first stream that gets that far.") var dropOnce = false
    @Option(name: .customLong("delay-ms"), help: "Fault: delay each report.") var delayMilliseconds = 0
    @Flag(name: .customLong("buffer-requests"), help: "Fault: read the whole request before answering, like a buffering gateway.") var bufferRequests = false
    @Flag(name: .customLong("memory-log"), help: "No Kafka: keep records in an in-memory log (faster; for REST benchmarks).") var memoryLog = false
    @Option(name: .customLong("kafka-fail"), help: "Fault: Kafka error codes for the next Produce requests of native clients, in order (e.g. 6,6 = NOT_LEADER twice).") var kafkaFail: String?
    @Option(name: .customLong("kafka-leader-down"), help: "Fault: make broker 1 lead this partition of every topic, then take broker 1 down.") var kafkaLeaderDown: Int32?
    @Option(name: .customLong("kafka-rtt-ms"), help: "The Kafka brokers answer each request after this many milliseconds (a distant cluster).") var kafkaRoundTripMilliseconds = 0
    @Option(name: .customLong("fail"), help: "Fault: answer every produce with 429-html, 429-json, 500, 503, 502-html or 403.") var fail: String?
    @Option(name: .customLong("fail-first"), help: "Fault: with --fail, only the first N produce requests fail (a transient refusal).") var failFirst: Int?
    @Option(name: .customLong("record-rate-limit"), help: "The proxy's own rate limiter: records past N/s get a per-record 429 and are not produced.") var recordRateLimit: String?
    @Option(name: .customLong("record-rate-code"), help: "The code of --record-rate-limit's reports: 429, or 42901 (a Kafka quota).") var recordRateCode = 429
    @Option(name: .customLong("stream-max-seconds"), help: "Streams open longer get a 408 report for each further record, then close.") var streamMaxSeconds: Double?
    @Option(name: .customLong("latency-ms"), help: "Gateway: one-way delay added in both directions on the REST listener (order kept, throughput not capped).") var latencyMilliseconds = 0
    @Option(help: "Gateway usage plan: N/s requests; over-rate requests get 429 {\"message\":\"Too Many Requests\"}.") var throttle: String?
    @Option(name: .customLong("throttle-burst"), help: "Gateway usage plan: requests allowed at once after a quiet spell (default: the rate).") var throttleBurst: Int?
    @Flag(name: .customLong("retry-after"), help: "Gateway usage plan: send Retry-After with each 429.") var retryAfter = false
    @Option(name: .customLong("max-body-bytes"), help: "Gateway: larger request bodies get 413.") var maxBodyBytes: Int?
    @Option(name: .customLong("max-request-seconds"), help: "Gateway: a request still running after this long gets 504 (buffered) or its connection cut (streamed).") var maxRequestSeconds: Double?
    @Flag(name: .customLong("refuse-chunked"), help: "Gateway: chunked request bodies get 411 Length Required.") var refuseChunked = false
    @Flag(name: .customLong("plain-http"), help: "Serve REST over plain http instead of HTTPS.") var plainHTTP = false

    func run() async throws {
        var topicNames = topics
        if let loaded = try? ProfileStore.standard().load(profile), let settings = loaded.sandbox {
            topicNames += try settings.topics.map { try loaded.fullTopic($0) }
        }
        // A --topic the profile also lists is created once.
        var seen = Set<String>()
        topicNames = topicNames.filter { seen.insert($0).inserted }
        let (key, keyShown) = try Self.credential(
            apiKey, what: "the sandbox's API key", option: "--api-key", literalAllowed: true,
            made: "sbx-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        let (password, passwordShown) = try Self.credential(
            kafkaPassword, what: "the sandbox's Kafka password", option: "--kafka-password", literalAllowed: false,
            made: "sbx-" + UUID().uuidString.lowercased())
        var configuration = SandboxServer.Configuration(apiKey: key, topics: topicNames, partitions: partitions)
        configuration.port = port
        configuration.faults.closeStreamAfter = closeAfter
        configuration.faults.dropConnectionAfter = dropAfter
        configuration.faults.dropOnce = dropOnce
        configuration.faults.reportDelayMilliseconds = delayMilliseconds
        configuration.faults.bufferWholeRequest = bufferRequests
        configuration.https = !plainHTTP
        do {
            try applyConditions(&configuration.faults)
        } catch let error as InputError {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        }
        if let fail {
            guard let failure = SandboxFaults.RequestFailure(rawValue: fail) else {
                Output.error("--fail expects one of \(SandboxFaults.RequestFailure.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(Exit.usage)
            }
            configuration.faults.failRequests = failure
        }
        do {
            if !memoryLog {
                configuration.kafka = try await SandboxKafka.start(topics: topicNames, partitions: partitions, password: password, roundTripMilliseconds: kafkaRoundTripMilliseconds)
            }
        } catch {
            Output.error("ingest: the sandbox's Kafka cluster did not start: \(error) (use --memory-log to run without it)")
            throw ExitCode(Exit.notAllDelivered)
        }
        if let kafkaFail {
            let codes = kafkaFail.split(separator: ",").compactMap { Int16($0.trimmingCharacters(in: .whitespaces)) }
            guard let kafka = configuration.kafka, !codes.isEmpty else {
                Output.error("ingest: --kafka-fail takes Kafka error codes (e.g. 6,6) and needs the Kafka cluster (not --memory-log)")
                await configuration.kafka?.stop()
                throw ExitCode(Exit.usage)
            }
            // Answered by the TLS front, so native clients meet them as from a broker, with the
            // broker's sequence checks (the mock's own injection reorders idempotent batches).
            kafka.front.failNextProduceRequests(codes)
        }
        if let partition = kafkaLeaderDown {
            guard let kafka = configuration.kafka, partition >= 0, partition < partitions else {
                Output.error("ingest: --kafka-leader-down takes a partition below --partitions and needs the Kafka cluster (not --memory-log)")
                await configuration.kafka?.stop()
                throw ExitCode(Exit.usage)
            }
            for topic in topicNames { kafka.cluster.setPartitionLeader(topic: topic, partition: partition, broker: 1) }
            kafka.cluster.setBrokerDown(1)
        }
        // Caught from here on: a signal while starting still stops the sandbox cleanly.
        let interrupts = InterruptWatch()
        let server = SandboxServer(configuration)
        do { try await server.start() } catch {
            await configuration.kafka?.stop()
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.notAllDelivered)
        }
        Output.out("sandbox listening: \(server.baseURL)")
        Output.out("api key: \(keyShown)")
        if let caFile = server.caFile {
            Output.out("CA: \(caFile)  (trust it: curl --cacert, a profile's kafka.ca_file)")
        }
        if let kafka = configuration.kafka {
            Output.out("kafka (SASL_SSL, SCRAM-SHA-512): \(kafka.bootstrap.joined(separator: ","))  user producer  password \(passwordShown)  CA \(server.caFile ?? kafka.caFile)")
            Output.out("kafka (plaintext, for kcat -C): \(kafka.cluster.bootstrap)")
        }
        Output.out("topics: \(topicNames.sorted().joined(separator: ", "))")
        // Until interrupted.
        _ = await interrupts.wait()
        await server.stop()
        await configuration.kafka?.stop()
    }
}

extension SandboxCommand {
    /// The gateway and proxy conditions given on the command line.
    func applyConditions(_ faults: inout SandboxFaults) throws {
        faults.failFirst = failFirst
        faults.streamMaxSeconds = streamMaxSeconds
        faults.latencyMilliseconds = max(0, latencyMilliseconds)
        faults.maxBodyBytes = maxBodyBytes
        faults.maxRequestSeconds = maxRequestSeconds
        faults.refuseChunked = refuseChunked
        if let throttle {
            faults.throttle = SandboxFaults.Throttle(requestsPerSecond: try Self.perSecond(throttle, option: "--throttle"), burst: throttleBurst, retryAfter: retryAfter)
        }
        if let recordRateLimit {
            guard [429, 42901].contains(recordRateCode) else { throw InputError("--record-rate-code takes 429 or 42901") }
            faults.recordRateLimit = SandboxFaults.RecordRateLimit(recordsPerSecond: try Self.perSecond(recordRateLimit, option: "--record-rate-limit"), code: recordRateCode)
        }
    }

    /// `20/s` or `20`.
    static func perSecond(_ text: String, option: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let value = Double(number), value > 0 else { throw InputError("\(option) expects a rate per second, e.g. 20/s") }
        return value
    }

    /// A credential option and how the banner shows it: a reference (env:NAME, file:PATH) is
    /// the operator's to keep, resolved and never printed; a literal or a newly made one is
    /// printed, for the guide's curl commands.
    static func credential(_ given: String?, what: String, option: String, literalAllowed: Bool, made: String) throws -> (value: String, shown: String) {
        guard let given else { return (made, made) }
        guard let reference = SecretReference.parse(given), reference != .prompt, reference != .sandbox else {
            guard literalAllowed else {
                Output.error("ingest: \(option) takes env:NAME or file:PATH, never the secret itself")
                throw ExitCode(Exit.usage)
            }
            return (given, given)
        }
        var resolver = SecretResolver()
        do {
            return (try resolver.resolve(reference, what: what).reveal(), "(from \(reference))")
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
    }
}

/// Waits for SIGINT or SIGTERM.
/// SIGINT and SIGTERM, caught from the moment it is made (so a Ctrl-C right after a send
/// starts is handled, not fatal) until it is dropped; `wait()` returns at the next signal.
final class InterruptWatch: @unchecked Sendable {
    // `sources` is set once in init and only cancelled in deinit; the rest is behind a lock.
    private struct State {
        var pending = 0
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Locked(State())
    private let sources: [any DispatchSourceSignal]

    init() {
        let state = self.state
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard let waiter = state.waiter else {
                        state.pending += 1
                        return nil
                    }
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume(returning: true)
            }
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }

    /// True at the next signal (or one that came since the last wait); false when the task is cancelled.
    func wait() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { state -> Bool? in
                    if state.pending > 0 {
                        state.pending -= 1
                        return true
                    }
                    if Task.isCancelled { return false }
                    state.waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: false)
        }
    }
}
