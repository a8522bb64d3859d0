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
            Task { await engine.enqueue(record) { continuation.resume(returning: $0) } }
        }
    }

    /// Sends every record of `records`, keeping many in flight, and reports each outcome with
    /// the record's index in the sequence (reports may come in any order). Returns when every
    /// record has its outcome; throws only if the sequence itself throws.
    public func produce<Records: AsyncSequence>(
        _ records: Records, onReport: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void
    ) async throws where Records.Element == ProducerRecord {
        let window = AsyncWindow(limit: Self.streamingWindow)
        var index = 0
        do {
            for try await record in records {
                await window.acquire()
                let current = index
                index += 1
                await engine.enqueue(record) { outcome in
                    onReport(current, outcome)
                    window.release()
                }
            }
        } catch {
            await window.drain()
            throw error
        }
        await engine.flush()
        await window.drain()
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

/// Bounds the records in flight in `produce` so memory does not grow with the input.
final class AsyncWindow: Sendable {
    private struct State {
        var available: Int
        var inUse = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        state = NIOLockedValueBox(State(available: limit))
    }

    func acquire() async {
        // Fast path without a continuation: the window is rarely full.
        let granted = state.withLockedValue { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            state.inUse += 1
            return true
        }
        if granted { return }
        await withCheckedContinuation { continuation in
            let granted = state.withLockedValue { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    state.inUse += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let (next, drained) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), [])
            }
            state.available += 1
            state.inUse -= 1
            if state.inUse == 0 {
                defer { state.drainWaiters = [] }
                return (nil, state.drainWaiters)
            }
            return (nil, [])
        }
        next?.resume()
        for waiter in drained { waiter.resume() }
    }

    /// Waits until every acquired slot is released.
    func drain() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLockedValue { state -> Bool in
                if state.inUse == 0 { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
