import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A Kafka producer speaking the wire protocol itself over SwiftNIO: acks=all, batching,
/// retries, idempotence, TLS and SASL SCRAM.
public final class KafkaProducer: Sendable {
    let engine: ProducerEngine
    /// The TLS version and cipher suite of the bootstrap connection (nil on plaintext), e.g.
    /// `TLSv1.3, TLS_AES_128_GCM_SHA256`: what the doctor shows for the Kafka login.
    public let tlsSession: KafkaTLSSession?

    private init(engine: ProducerEngine, tlsSession: KafkaTLSSession?) {
        self.engine = engine
        self.tlsSession = tlsSession
    }

    /// Connects to the cluster (first reachable bootstrap server), authenticates, and learns
    /// the brokers, and the partitions of `topics` (known then without another round trip).
    /// Throws `KafkaProducerError` with a message that says what to check.
    public static func connect(
        _ configuration: KafkaProducerConfiguration, topics: [String] = [],
        logger: Logger = Logger(label: "ingest.kafka", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> KafkaProducer {
        guard !configuration.bootstrapServers.isEmpty else {
            throw KafkaProducerError.invalidConfiguration("no bootstrap servers given")
        }
        guard configuration.batchMaxBytes > 0, configuration.maxInFlightPerBroker > 0, configuration.maxUnansweredRecords > 0,
            configuration.lingerMs >= 0, configuration.maxInFlightPerPartition > 0
        else {
            throw KafkaProducerError.invalidConfiguration(
                "batchMaxBytes, maxInFlightPerBroker, maxInFlightPerPartition and maxUnansweredRecords must be positive, lingerMs not negative")
        }
        guard !configuration.idempotent || configuration.maxInFlightPerPartition <= 5 else {
            throw KafkaProducerError.invalidConfiguration(
                "maxInFlightPerPartition is at most 5 with idempotence (a broker deduplicates the last 5 batches of a partition)")
        }
        let addresses = try configuration.bootstrapServers.map(parse)
        let engine = ProducerEngine(
            configuration: configuration, sslContext: try makeSSLContext(configuration.security),
            group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await engine.start(addresses: addresses, topics: topics)
        return KafkaProducer(engine: engine, tlsSession: await engine.bootstrapTLS)
    }

    /// Sends one record and waits for its outcome (a single send does not wait for the window).
    public func send(_ record: ProducerRecord) async -> KafkaDeliveryOutcome {
        await send(contentsOf: [record])[0]
    }

    /// Sends records in their order (records of one partition are stored in that order) and
    /// returns their outcomes, in the same order. For a few records at a time, like one
    /// request to a REST proxy: it does not wait for the window, as `produce` does. If the
    /// task is cancelled while waiting, the records still unanswered are returned as unknown
    /// (they may yet be stored).
    public func send(contentsOf records: [ProducerRecord]) async -> [KafkaDeliveryOutcome] {
        guard !records.isEmpty else { return [] }
        let outcomes = OutcomeBox(count: records.count)
        let sink = DeliverySink(report: { index, outcome in outcomes.set(index, outcome) })
        for (index, record) in records.enumerated() {
            var block = RecordBlock(topic: record.topic)
            block.append(record)
            let timestampMs = record.timestamp ?? ProducerEngine.nowMs()
            if offer(block, at: 0, timestampMs: timestampMs, index: index, sink: sink) == .needsEngine {
                // Awaited, so the next record is appended after this one.
                await engine.enqueue(block, at: 0, timestampMs: timestampMs, index: index, sink: sink)
            }
        }
        return await outcomes.all()
    }

    /// Sends every record of `records`, keeping many in flight, and reports each outcome with
    /// the record's index in the sequence (reports may come in any order, but those of one
    /// partition come in the order of the records). Returns when every record read has its
    /// outcome (the producer is idle: with several `produce` calls at once, each waits for all);
    /// throws only if the sequence itself throws, after the records read before the error have
    /// their outcomes.
    ///
    /// Each record is encoded into its partition's batch right here, in the calling task, as
    /// it is read (see `RecordAccumulator`); batches go out from the engine. At most
    /// `maxUnansweredRecords` (of the configuration) are read and not answered, so memory
    /// stays bounded. When the task is cancelled it stops reading, and returns without
    /// waiting for the outcomes still to come (they keep arriving at `onReport`; `close`
    /// then ends them), throwing `CancellationError`. `onBatchEnd` is called after each group
    /// of outcomes that arrived together (one answered batch), so a caller can write them out
    /// together instead of one by one. With `onDelivered`, records stored by one answer come
    /// there as one run each (consecutive indices), not through `onReport`.
    /// (Inlinable so that reading the caller's sequence is specialized for it: the per-record
    /// cost of a generic async iterator is most of what a record costs otherwise.)
    @inlinable
    public func produce<Records: AsyncSequence>(
        _ records: Records, onReport: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void,
        onBatchEnd: (@Sendable () -> Void)? = nil, onDelivered: (@Sendable (KafkaDeliveredRun) -> Void)? = nil
    ) async throws where Records.Element == ProducerRecord {
        try await produce(blocks: OneRecordBlocks(records), onReport: onReport, onBatchEnd: onBatchEnd, onDelivered: onDelivered)
    }

    /// `produce` for records laid out ahead of time, a block at a time (see `RecordBlock`):
    /// the fast path, where a reading thread fills blocks and nothing per record crosses
    /// threads but bytes. Indices count records across blocks. Records are appended a run of
    /// up to `runLength` at a time, under one lock, stamped with one clock read: `willAppend`,
    /// when given, is called with a run's first index and count as it goes and returns that
    /// time (epoch milliseconds) for those without a timestamp of their own; the caller notes
    /// their send time there.
    @inlinable
    public func produce<Blocks: AsyncSequence>(
        blocks: Blocks, onReport: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void,
        onBatchEnd: (@Sendable () -> Void)? = nil, onDelivered: (@Sendable (KafkaDeliveredRun) -> Void)? = nil,
        willAppend: ((Int, Int) -> Int64)? = nil
    ) async throws where Blocks.Element == RecordBlock {
        let sink = DeliverySink(report: onReport, batchEnded: onBatchEnd, delivered: onDelivered)
        var failure: Error?
        do {
            // next() rather than for-await's next(isolation:): this task is not isolated,
            // and the isolation-passing variant costs executor checks per record.
            var iterator = blocks.makeAsyncIterator()
            var index = 0
            while let block = try await iterator.next() {
                var position = 0
                while position < block.count {
                    let run = min(Self.runLength, block.count - position)
                    let timestampMs = willAppend?(index, run) ?? Self.now()
                    let (taken, offered) = offer(block, range: position..<(position + run), firstIndex: index, timestampMs: timestampMs, sink: sink)
                    position += taken
                    index += taken
                    // Only where it waits: a cancelled caller is noticed there, at no cost per record.
                    guard offered != .done else { continue }
                    if !(await complete(offered, block, at: position, timestampMs: timestampMs, index: index, sink: sink)) {
                        throw CancellationError()
                    }
                    if offered == .needsEngine {  // that record went through the engine
                        position += 1
                        index += 1
                    }
                }
            }
        } catch {
            failure = error
        }
        let idle = await flush()
        if let failure { throw failure }
        if !idle { throw CancellationError() }
    }

    /// Records appended under one lock and one clock read: long enough to make both rare,
    /// short enough that a batch filled meanwhile goes out at once.
    @usableFromInline
    static let runLength = 256

    @usableFromInline
    static func now() -> Int64 {
        ProducerEngine.nowMs()
    }

    /// Sends what waits and waits until every record appended so far has its outcome; false
    /// when the task was cancelled first.
    @usableFromInline
    func flush() async -> Bool {
        await engine.flush()
    }

    @usableFromInline
    enum Offered {
        case done
        /// Appended; the window is full, so wait before reading on.
        case full
        /// The engine must look the topic up first.
        case needsEngine
    }

    /// Appends records `range` of `block` to their batches without leaving this thread, when
    /// their topic is known; `timestampMs` stamps those without their own. Returns how many
    /// were taken and what is left to do: wait for room after the last one taken (`.full`),
    /// or hand the next one to the engine (`.needsEngine`).
    @usableFromInline
    func offer(_ block: RecordBlock, range: Range<Int>, firstIndex: Int, timestampMs: Int64, sink: DeliverySink) -> (taken: Int, Offered) {
        var steps: [RecordAccumulator.Step] = []
        let (taken, last) = engine.accumulator.append(
            block, range: range, firstIndex: firstIndex, timestampMs: timestampMs, sink: sink, now: { .now }, steps: &steps)
        for step in steps { engine.carryOut(step) }
        switch last {
        case .appended, .refused: return (taken, .done)
        case .full: return (taken, .full)
        case .topicUnknown: return (taken, .needsEngine)
        }
    }

    /// Appends record `position` of `block` alone (the few-records path).
    func offer(_ block: RecordBlock, at position: Int, timestampMs: Int64, index: Int, sink: DeliverySink) -> Offered {
        offer(block, range: position..<(position + 1), firstIndex: index, timestampMs: timestampMs, sink: sink).1
    }

    /// What `offer` left to do; false when the task was cancelled meanwhile.
    @usableFromInline
    func complete(_ offered: Offered, _ block: RecordBlock, at position: Int, timestampMs: Int64, index: Int, sink: DeliverySink) async -> Bool {
        switch offered {
        case .done:
            break
        case .full:
            await engine.accumulator.waitForRoom()
        case .needsEngine:
            await engine.enqueue(block, at: position, timestampMs: timestampMs, index: index, sink: sink)
            await engine.accumulator.waitForRoom()
        }
        return !Task.isCancelled
    }

    /// The number of partitions of `topic`; throws `KafkaProducerError.unknownTopic` when the
    /// cluster does not have it (topics are never created by this client), and
    /// `.topicAuthorizationFailed` when the user may not see it.
    public func partitionCount(of topic: String) async throws -> Int {
        try await engine.partitionCount(of: topic)
    }

    /// Sends what waits, waits for all outcomes, and closes the connections.
    public func close() async {
        await engine.close()
    }

    static func parse(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port), colon != address.startIndex
        else {
            throw KafkaProducerError.invalidConfiguration("bootstrap server '\(address)' is not host:port")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    static func makeSSLContext(_ security: KafkaProducerConfiguration.Security) throws -> NIOSSLContext? {
        let tls: KafkaProducerConfiguration.TLS
        switch security {
        case .plaintext: return nil
        case .ssl(let options): tls = options
        case .saslSSL(_, _, _, let options): tls = options
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = tls.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        // TLS 1.2 with forward secrecy only (ECDHE); TLS 1.3 suites all have it and are not
        // governed by this list.
        configuration.cipherSuiteValues = TLSServerHello.forwardSecretTLS12
        configuration.certificateVerification = .fullVerification
        if let file = tls.extraCAFile {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(file))]
            } catch {
                throw KafkaProducerError.invalidConfiguration("cannot read CA certificates from \(file): \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw KafkaProducerError.invalidConfiguration("cannot set up TLS: \(error)")
        }
    }
}

/// Outcomes of `send(contentsOf:)` as they arrive, and a wait for the last.
private final class OutcomeBox: Sendable {
    private struct State {
        var outcomes: [KafkaDeliveryOutcome?]
        var missing: Int
        var waiter: CheckedContinuation<Void, Never>?
        var gaveUp = false
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(outcomes: Array(repeating: nil, count: count), missing: count))
    }

    func set(_ index: Int, _ outcome: KafkaDeliveryOutcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            // After a cancelled wait the record already has its outcome (unknown): a late one is dropped.
            guard !state.gaveUp else { return nil }
            precondition(state.outcomes[index] == nil, "record \(index) got two outcomes")
            state.outcomes[index] = outcome
            state.missing -= 1
            guard state.missing == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Every outcome, once all are in; if the task is cancelled first, those missing are unknown.
    func all() async -> [KafkaDeliveryOutcome] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.missing == 0 || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
        return state.withLock { state in
            state.gaveUp = true
            return state.outcomes.map {
                $0 ?? .unknown(message: "the caller stopped waiting before the broker answered; the record may be stored")
            }
        }
    }
}
