import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A Kafka producer speaking the wire protocol itself over SwiftNIO: acks=all, batching,
/// retries, idempotence, TLS and SASL SCRAM.
public final class KafkaProducer: Sendable {
    private let engine: ProducerEngine
    /// Records handed to the engine by `produce` and not answered yet, at most this many.
    static let streamingWindow = 20_000

    private init(engine: ProducerEngine) {
        self.engine = engine
    }

    /// Connects to the cluster (first reachable bootstrap server), authenticates, and learns
    /// the brokers. Throws `KafkaProducerError` with a message that says what to check.
    public static func connect(
        _ configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "ingest.kafka", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> KafkaProducer {
        guard !configuration.bootstrapServers.isEmpty else {
            throw KafkaProducerError.invalidConfiguration("no bootstrap servers given")
        }
        guard configuration.batchMaxBytes > 0, configuration.maxInFlightPerBroker > 0, configuration.lingerMs >= 0 else {
            throw KafkaProducerError.invalidConfiguration("batchMaxBytes and maxInFlightPerBroker must be positive, lingerMs not negative")
        }
        let addresses = try configuration.bootstrapServers.map(parse)
        let engine = ProducerEngine(
            configuration: configuration, sslContext: try makeSSLContext(configuration.security),
            group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await engine.start(addresses: addresses)
        return KafkaProducer(engine: engine)
    }

    /// Sends one record and waits for its outcome.
    public func send(_ record: ProducerRecord) async -> KafkaDeliveryOutcome {
        await withCheckedContinuation { continuation in
            let sink = DeliverySink(report: { _, outcome in continuation.resume(returning: outcome) })
            Task { await engine.enqueue(contentsOf: [record], firstIndex: 0, sink: sink) }
        }
    }

    /// Sends every record of `records`, keeping many in flight, and reports each outcome with
    /// the record's index in the sequence (reports may come in any order, but those of one
    /// partition come in the order of the records). Returns when every record read has its
    /// outcome; throws only if the sequence itself throws, after the records read before the
    /// error have their outcomes.
    ///
    /// The sequence is read in the calling task while a child task hands the records to the
    /// engine: everything read since the last handover goes in one step, so a fast source
    /// gives big chunks and a slow one gives each record on its own, at once. At most
    /// `streamingWindow` records are read and not answered, so memory stays bounded.
    /// (Inlinable so that reading the caller's sequence is specialized for it: the per-record
    /// cost of a generic async iterator is most of what a record costs otherwise.)
    @inlinable
    public func produce<Records: AsyncSequence>(
        _ records: Records, onReport: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void
    ) async throws where Records.Element == ProducerRecord {
        try await produce(
            reading: { feed in
                // next() rather than for-await's next(isolation:): this task is not isolated,
                // and the isolation-passing variant costs executor checks per record.
                var iterator = records.makeAsyncIterator()
                while let record = try await iterator.next() {
                    if !feed.offer(record) { await feed.push(record) }
                }
            }, onReport: onReport)
    }

    /// `produce` with the reading of the source as `read`, which puts every record in the feed.
    @usableFromInline
    func produce(
        reading read: (RecordFeed) async throws -> Void, onReport: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void
    ) async throws {
        let feed = RecordFeed(limit: Self.streamingWindow)
        let sink = DeliverySink(report: onReport, finished: { feed.release($0) })
        let engine = self.engine
        var failure: Error?
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var next = 0
                while let chunk = await feed.take() {
                    await engine.enqueue(contentsOf: chunk, firstIndex: next, sink: sink)
                    next += chunk.count
                    feed.recycle(chunk)
                }
            }
            do {
                try await read(feed)
            } catch {
                failure = error
            }
            feed.finish()
            await group.waitForAll()
        }
        await engine.flush()
        await feed.drain()
        if let failure { throw failure }
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

/// The records `produce` has read and not yet seen answered: those waiting to be handed to
/// the engine (`take` hands them all over at once) and those in the engine. `push` waits while
/// `limit` are outstanding, so memory does not grow with the input.
@usableFromInline
final class RecordFeed: Sendable {
    private struct State {
        var buffered: [ProducerRecord] = []
        var outstanding = 0
        var finished = false
        /// The engine side, parked until a record comes.
        var taker: CheckedContinuation<Void, Never>?
        var pusher: CheckedContinuation<Void, Never>?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// Chunks the engine is done with, freed by the reader (see `recycle`).
        var spent: [[ProducerRecord]] = []
    }

    private let limit: Int
    private let state = SpinningLockedBox(State())

    init(limit: Int) {
        precondition(limit > 0, "the feed needs room for at least one record")
        self.limit = limit
    }

    /// Adds a record read from the source unless the feed is full; then returns false and the
    /// reader calls `push`. One reader only.
    @usableFromInline
    func offer(_ record: ProducerRecord) -> Bool {
        var spent: [[ProducerRecord]] = []  // released after the lock, on this thread
        let (added, taker) = state.withLockedValue { state -> (Bool, CheckedContinuation<Void, Never>?) in
            if !state.spent.isEmpty { swap(&spent, &state.spent) }
            guard state.outstanding < limit else { return (false, nil) }
            state.outstanding += 1
            state.buffered.append(record)
            defer { state.taker = nil }
            return (true, state.taker)
        }
        // The engine side wakes and takes what is buffered by then: this record and those
        // read while its thread got going.
        taker?.resume()
        return added
    }

    /// Adds a record read from the source; waits first while the feed is full. One reader only.
    @usableFromInline
    func push(_ record: ProducerRecord) async {
        while !offer(record) {
            await withCheckedContinuation { continuation in
                let hasRoom = state.withLockedValue { state -> Bool in
                    if state.outstanding < limit { return true }
                    state.pusher = continuation
                    return false
                }
                if hasRoom { continuation.resume() }
            }
        }
    }

    /// Hands back a chunk the engine has read, for the reader to free on its next `offer`.
    /// The reader allocates the records; freed on the engine's thread, they made the two
    /// threads contend for the allocator's arena lock (glibc) on almost every record, while
    /// freed where they were made they mostly go back to a per-thread cache.
    func recycle(_ chunk: [ProducerRecord]) {
        state.withLockedValue { $0.spent.append(chunk) }
    }

    /// No more records will come.
    func finish() {
        let taker = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.taker = nil }
            return state.taker
        }
        taker?.resume()
    }

    /// Everything buffered, as soon as there is something; nil once finished and empty. One taker only.
    func take() async -> [ProducerRecord]? {
        while true {
            let ready = state.withLockedValue { state -> [ProducerRecord]?? in
                if !state.buffered.isEmpty {
                    defer { state.buffered = [] }
                    return .some(state.buffered)
                }
                return state.finished ? .some(nil) : .none
            }
            if let ready { return ready }
            await withCheckedContinuation { continuation in
                let parked = state.withLockedValue { state -> Bool in
                    guard state.buffered.isEmpty, !state.finished else { return false }
                    state.taker = continuation
                    return true
                }
                if !parked { continuation.resume() }
            }
        }
    }

    /// `count` records have their outcomes.
    func release(_ count: Int) {
        let (pusher, drained) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            state.outstanding -= count
            let pusher = state.pusher
            state.pusher = nil
            guard state.outstanding == 0 else { return (pusher, []) }
            defer { state.drainWaiters = [] }
            return (pusher, state.drainWaiters)
        }
        pusher?.resume()
        for waiter in drained { waiter.resume() }
    }

    /// Waits until every record pushed has its outcome.
    func drain() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLockedValue { state -> Bool in
                if state.outstanding == 0 { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
