#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOCore
import Synchronization
import NIOSSL

/// The producer's state: cluster metadata, broker connections, the idempotent identity, and
/// the delivery of batches. An actor, so each piece is touched by one task at a time.
/// Records wait in the `RecordAccumulator` (appended to without the actor); what happens to a
/// batch once taken is decided by its partition's `PartitionDelivery` machine, and this actor
/// only performs the machine's actions (ProducerEngine+Delivery.swift); metadata and
/// connections are in ProducerEngine+Cluster.swift.
actor ProducerEngine {
    struct BrokerAddress: Equatable {
        var host: String
        var port: Int
        var text: String { "\(host):\(port)" }
    }

    enum ConnectionSlot {
        case connecting(Task<KafkaConnection, Error>)
        case ready(KafkaConnection)
    }

    /// A Produce request waiting to be written, in its partition's order.
    struct Write {
        var id: BatchID
        var identity: ProducerIdentity?
        var baseSequence: Int32
    }

    /// The broker's answer (or its absence) to the request written for a batch.
    struct AnswerEvent: Sendable {
        var tp: TopicPartition
        var id: BatchID
        var leader: Int32
        var connection: KafkaConnection
        var result: Result<ProduceResponse, Error>
    }

    let configuration: KafkaProducerConfiguration
    let logger: Logger
    let group: EventLoopGroup
    let sslContext: NIOSSLContext?

    var bootstrap: KafkaConnection?
    var brokers: [Int32: BrokerAddress] = [:]
    /// partition -> leader id (-1 when none) per known topic.
    var topics: [String: [Int32: Int32]] = [:]
    /// Topics the cluster lacks or denies us, with when we learned it and the error code.
    var missingTopics: [String: (since: ContinuousClock.Instant, code: Int16)] = [:]
    var metadataRefresh: Task<Void, Error>?
    var connections: [Int32: ConnectionSlot] = [:]
    /// Connections to bootstrap servers begun at start, by address, until the metadata says
    /// which broker each is (`connection(to:)` takes them).
    var preconnected: [String: Task<KafkaConnection, Error>] = [:]

    /// Records waiting for their batch to go, appended to by `produce` directly.
    nonisolated let accumulator: RecordAccumulator

    // Delivery (ProducerEngine+Delivery.swift).
    var deliveries: [TopicPartition: PartitionDelivery] = [:]
    var batches: [BatchID: PendingBatch] = [:]
    var nextBatchID = 0
    /// Batches that reached the engine before an earlier one of their partition, by ordinal.
    var early: [TopicPartition: [Int: PendingBatch]] = [:]
    var nextOrdinal: [TopicPartition: Int] = [:]
    var writeQueues: [TopicPartition: [Write]] = [:]
    var writers: Set<TopicPartition> = []
    /// Ends when the engine goes (its continuation with it) or closes.
    nonisolated let answers: AsyncStream<AnswerEvent>.Continuation

    // Idempotence.
    var idempotent: Bool
    var identity: ProducerIdentity?
    var identityGeneration = 0
    var identityRenewal: Task<Void, Never>?
    var identityWaiters: Set<TopicPartition> = []
    /// InitProducerId requests sent so far (tests check that concurrent deliveries share one).
    private(set) var initProducerIdRequests = 0

    private var closed = false

    init(configuration: KafkaProducerConfiguration, sslContext: NIOSSLContext?, group: EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.accumulator = RecordAccumulator(
            batchMaxBytes: configuration.batchMaxBytes, linger: .milliseconds(configuration.lingerMs),
            window: configuration.maxUnansweredRecords,
            maxInFlight: configuration.idempotent ? configuration.maxInFlightPerPartition : 1)
        self.sslContext = sslContext
        self.group = group
        self.logger = logger
        self.idempotent = configuration.idempotent
        let (stream, continuation) = AsyncStream<AnswerEvent>.makeStream()
        self.answers = continuation
        // Answers are handled one at a time, in the order the connections delivered them.
        Task { [weak self] in
            for await event in stream {
                guard let self else { return }
                await self.handle(event)
            }
        }
    }

    // MARK: start

    /// Connects to the first reachable bootstrap server, learns the brokers, and sets up
    /// idempotence. Authentication and TLS failures stop at once: another address of the
    /// same cluster would fail the same way.
    func start(addresses: [(host: String, port: Int)], topics: [String] = []) async throws {
        // The other bootstrap servers (the brokers discovery named) are connected at the same
        // time: once the metadata names them their connections are needed, and each costs
        // several round trips (TLS, ApiVersions, SASL).
        for address in addresses.dropFirst() {
            let text = BrokerAddress(host: address.host, port: address.port).text
            if preconnected[text] == nil { preconnected[text] = connectTask(host: address.host, port: address.port) }  // listed twice: once
        }
        do {
            try await connectBootstrap(addresses: addresses, topics: topics)
        } catch {
            discardPreconnected()
            throw error
        }
    }

    private func connectBootstrap(addresses: [(host: String, port: Int)], topics: [String]) async throws {
        var attempts: [String] = []
        for address in addresses {
            do {
                let task = preconnected.removeValue(forKey: BrokerAddress(host: address.host, port: address.port).text)
                    ?? connectTask(host: address.host, port: address.port)
                let began = ContinuousClock.now
                let connection = try await task.value
                bootstrap = connection
                // The metadata, with the topics the caller will send to (asking for them later
                // is another round trip), and the producer id at once: the id on another
                // broker's connection when there is one, as a broker answers one connection's
                // requests in order. Every broker's connection is made meanwhile, rather than
                // when its first batch is due, as librdkafka does.
                async let metadata: Void = refreshMetadata(adding: topics)
                if idempotent {
                    // Begun with the bootstrap one, another connection is up about as soon:
                    // waited for a little, not for a broker that does not answer.
                    var other: KafkaConnection?
                    if let first = preconnected.values.first { other = await Self.value(of: first, within: (ContinuousClock.now - began) / 4) }
                    try await initProducerID(on: other ?? connection)
                }
                try await metadata
                for id in brokers.keys { Task { _ = try? await self.connection(to: id) } }
                return
            } catch let error as KafkaProducerError {
                throw error
            } catch let error as KafkaConnectionError where error.isTLSFailure {
                throw KafkaProducerError.tlsFailed(address: "\(address.host):\(address.port)", detail: error.message)
            } catch where KafkaErrorDescription.isTLS(error) {
                var detail = KafkaErrorDescription.describe(error)
                if KafkaErrorDescription.isHandshakeRefusal(error), let minimum = configuration.security.tls?.minimumVersion {
                    detail += "; " + KafkaErrorDescription.tlsOffer(minimum: minimum)
                }
                throw KafkaProducerError.tlsFailed(address: "\(address.host):\(address.port)", detail: detail)
            } catch {
                attempts.append("\(address.host):\(address.port): \(KafkaErrorDescription.describe(error))")
            }
        }
        throw KafkaProducerError.noBrokerReachable(attempts: attempts)
    }

    /// A connection being made, off the actor.
    func connectTask(host: String, port: Int) -> Task<KafkaConnection, Error> {
        Task { [configuration, sslContext, group, logger] in
            try await KafkaConnection.connect(
                host: host, port: port, configuration: configuration, sslContext: sslContext, group: group, logger: logger)
        }
    }

    /// The connection `task` makes, if it is made within `limit`; nil otherwise (the task goes on).
    static func value(of task: Task<KafkaConnection, Error>, within limit: Duration) async -> KafkaConnection? {
        final class Waiter: Sendable {
            let continuation = Mutex<CheckedContinuation<KafkaConnection?, Never>?>(nil)
            /// The first call wins; later ones do nothing.
            func resume(_ connection: KafkaConnection?) { continuation.withLock { $0.take() }?.resume(returning: connection) }
        }
        let waiter = Waiter()
        return await withCheckedContinuation { continuation in
            waiter.continuation.withLock { $0 = continuation }
            Task { waiter.resume(try? await task.value) }
            Task {
                try? await Task.sleep(for: max(limit, .milliseconds(5)))
                waiter.resume(nil)
            }
        }
    }

    /// Closes the bootstrap connections no broker took.
    func discardPreconnected() {
        for task in preconnected.values {
            Task { (try? await task.value)?.close() }
        }
        preconnected.removeAll()
    }

    /// Asks for a producer id. Called at start, and by `renewIdentity` (one at a time).
    func initProducerID(on given: KafkaConnection? = nil) async throws {
        var chosen = given
        if chosen == nil { chosen = try await anyConnection() }
        guard let connection = chosen, let version = connection.version(for: .initProducerId) else {
            logger.warning("broker does not support InitProducerId: producing without idempotence")
            idempotent = false
            return
        }
        initProducerIdRequests += 1
        let response = try await connection.send(InitProducerIdRequest(version: version), as: InitProducerIdResponse.self)
        guard response.errorCode == 0 else {
            if response.errorCode == KafkaErrorCode.clusterAuthorizationFailed.rawValue
                || response.errorCode == KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue
            {
                logger.warning("not allowed to use idempotence: producing without it")
                idempotent = false
                return
            }
            throw KafkaProducerError.brokerError("InitProducerId failed: \(KafkaErrorCode.name(of: response.errorCode))")
        }
        identityGeneration += 1
        identity = ProducerIdentity(producerID: response.producerID, epoch: response.producerEpoch, generation: identityGeneration)
        logger.debug("idempotent producer", metadata: ["producerID": "\(response.producerID)"])
    }

    /// The TLS of the connection the producer started on.
    var bootstrapTLS: KafkaTLSSession? { bootstrap?.tls }

    // MARK: enqueue

    /// Appends a record whose topic the accumulator does not know yet: looks the topic up
    /// (which tells the accumulator its partitions), then appends. A topic that cannot be used
    /// gives the record its outcome at once.
    func enqueue(_ block: RecordBlock, at position: Int, timestampMs: Int64, index: Int, sink: DeliverySink) async {
        if case .failure(let unusable) = await usablePartitions(of: block.topic) {
            sink.reportAlone(index, unusable.outcome)
            return
        }
        var steps: [RecordAccumulator.Step] = []
        let (_, appended) = accumulator.append(
            block, range: position..<(position + 1), firstIndex: index, timestampMs: timestampMs, sink: sink, now: { .now }, steps: &steps)
        if appended == .topicUnknown {  // the topic went away again meanwhile
            sink.reportAlone(index, Self.unknownTopic(block.topic))
        }
        steps.forEach(carryOut)
    }

    static let closedOutcome = KafkaDeliveryOutcome.failed(
        code: -1, name: "PRODUCER_CLOSED", message: "the producer is closed; the record was not sent")

    static func unknownTopic(_ topic: String) -> KafkaDeliveryOutcome {
        .failed(
            code: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: "UNKNOWN_TOPIC_OR_PARTITION",
            message: KafkaProducerError.unknownTopic(topic).description)
    }

    /// Does what the accumulator asks: starts a partition's linger timer or hands a batch to
    /// the engine. Nonisolated, so `produce` calls it on its own thread without a hop.
    nonisolated func carryOut(_ step: RecordAccumulator.Step) {
        switch step {
        case .none:
            break
        case .scheduleLinger(let tp, let after):
            Task {
                try? await Task.sleep(for: after)
                self.carryOut(self.accumulator.lingerExpired(tp, now: .now))
            }
        case .send(var batch, let tp):
            let codec = configuration.compression
            Task {
                // Here, on any thread, rather than in the actor: partitions compress in parallel.
                batch.compress(codec)
                await self.accept(batch, for: tp)
            }
        }
    }

    // MARK: closing

    /// Sends whatever waits, waits for every outcome (bounded by the delivery timeout), then
    /// closes the connections. In a cancelled task it waits at most a short grace for the
    /// answers in flight, then gives every record still without one its outcome at once
    /// (unknown when it may have reached a broker, failed otherwise).
    func close() async {
        guard !closed else { return }
        closed = true
        accumulator.close()
        if !(await flush()) {
            let grace = min(configuration.requestTimeout, .seconds(5))
            // Not a child of this (cancelled) task, so it can wait.
            let drained = await Task { [accumulator] in
                await withTaskGroup(of: Bool.self) { group in
                    group.addTask { await accumulator.waitUntilIdle() }
                    group.addTask {
                        try? await Task.sleep(for: grace)
                        return false
                    }
                    let first = await group.next() ?? false
                    group.cancelAll()
                    return first
                }
            }.value
            if !drained { abortAll("the producer was closed") }
        }
        for id in Array(connections.keys) { dropConnection(id) }
        discardPreconnected()
        bootstrap?.close()
        bootstrap = nil
        answers.finish()
    }

    /// Sends what waits and waits until every record enqueued so far has its outcome; false
    /// when the task was cancelled first.
    @discardableResult
    func flush() async -> Bool {
        for step in accumulator.flushAll() { carryOut(step) }
        return await accumulator.waitUntilIdle()
    }

    /// Wall-clock milliseconds, for record timestamps (read once per record: clock_gettime
    /// directly, as Date costs a few conversions more).
    static func nowMs() -> Int64 {
        #if canImport(Glibc)
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
        #else
        return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        #endif
    }
}
