#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOCore
import NIOSSL

/// The producer's state: cluster metadata, broker connections and the idempotent identity,
/// and the delivery of batches. An actor, so each piece is touched by one task at a time.
/// Records wait in the `RecordAccumulator` (appended to without the actor); the
/// per-partition logic is the `PartitionQueue` value type.
actor ProducerEngine {
    private struct BrokerAddress: Equatable {
        var host: String
        var port: Int
        var text: String { "\(host):\(port)" }
    }

    private enum ConnectionSlot {
        case connecting(Task<KafkaConnection, Error>)
        case ready(KafkaConnection)
    }

    private struct Identity {
        var producerID: Int64
        var epoch: Int16
        var generation: Int
    }

    private struct SequenceState {
        var generation: Int
        var next: Int32
    }

    private let configuration: KafkaProducerConfiguration
    private let logger: Logger
    private let group: EventLoopGroup
    private let sslContext: NIOSSLContext?

    private var bootstrap: KafkaConnection?
    private var brokers: [Int32: BrokerAddress] = [:]
    /// partition -> leader id (-1 when none) per known topic.
    private var topics: [String: [Int32: Int32]] = [:]
    /// Topics the cluster lacks or denies us, with when we learned it and the error code.
    private var missingTopics: [String: (since: ContinuousClock.Instant, code: Int16)] = [:]
    private var metadataRefresh: Task<Void, Error>?

    private var connections: [Int32: ConnectionSlot] = [:]
    private var inFlight: [Int32: Int] = [:]
    private var slotWaiters: [Int32: [CheckedContinuation<Void, Never>]] = [:]

    /// Records waiting for their batch to go, appended to by `produce` directly.
    nonisolated let accumulator: RecordAccumulator

    private var idempotent: Bool
    private var identity: Identity?
    private var identityGeneration = 0
    private var identityNeedsReset = false
    private var sequences: [TopicPartition: SequenceState] = [:]

    private var closed = false

    init(configuration: KafkaProducerConfiguration, sslContext: NIOSSLContext?, group: EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.accumulator = RecordAccumulator(
            batchMaxBytes: configuration.batchMaxBytes, linger: .milliseconds(configuration.lingerMs),
            window: configuration.maxUnansweredRecords)
        self.sslContext = sslContext
        self.group = group
        self.logger = logger
        self.idempotent = configuration.idempotent
    }

    // MARK: start

    /// Connects to the first reachable bootstrap server, learns the brokers, and sets up
    /// idempotence. Authentication and TLS failures stop at once: another address of the
    /// same cluster would fail the same way.
    func start(addresses: [(host: String, port: Int)]) async throws {
        var attempts: [String] = []
        for address in addresses {
            do {
                let connection = try await KafkaConnection.connect(
                    host: address.host, port: address.port, configuration: configuration, sslContext: sslContext,
                    group: group, logger: logger)
                bootstrap = connection
                try await refreshMetadata()
                if idempotent { try await initProducerID() }
                return
            } catch let error as KafkaProducerError {
                throw error
            } catch let error as KafkaConnectionError where error.isTLSFailure {
                throw KafkaProducerError.tlsFailed(address: "\(address.host):\(address.port)", detail: error.message)
            } catch where KafkaErrorDescription.isTLS(error) {
                throw KafkaProducerError.tlsFailed(
                    address: "\(address.host):\(address.port)", detail: KafkaErrorDescription.describe(error))
            } catch {
                attempts.append("\(address.host):\(address.port): \(KafkaErrorDescription.describe(error))")
            }
        }
        throw KafkaProducerError.noBrokerReachable(attempts: attempts)
    }

    private func initProducerID() async throws {
        guard let connection = try await anyConnection(), let version = connection.version(for: .initProducerId) else {
            logger.warning("broker does not support InitProducerId: producing without idempotence")
            idempotent = false
            return
        }
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
        identity = Identity(producerID: response.producerID, epoch: response.producerEpoch, generation: identityGeneration)
        identityNeedsReset = false
        logger.debug("idempotent producer", metadata: ["producerID": "\(response.producerID)"])
    }

    // MARK: metadata

    /// The partition count of a topic; throws `KafkaProducerError.unknownTopic` or
    /// `.topicAuthorizationFailed` when it cannot be used.
    func partitionCount(of topic: String) async throws -> Int {
        try await partitions(of: topic).count
    }

    /// Partition -> leader of a topic. Absence is remembered for a few seconds so a stream of
    /// records for a missing topic does not become a stream of Metadata requests.
    private func partitions(of topic: String) async throws -> [Int32: Int32] {
        if let known = topics[topic] { return known }
        if let missing = missingTopics[topic], ContinuousClock.now - missing.since >= .seconds(5) {
            missingTopics[topic] = nil
        }
        if missingTopics[topic] == nil { try await refreshMetadata(adding: topic) }
        if let known = topics[topic] { return known }
        if missingTopics[topic]?.code == KafkaErrorCode.topicAuthorizationFailed.rawValue {
            throw KafkaProducerError.topicAuthorizationFailed(topic)
        }
        throw KafkaProducerError.unknownTopic(topic)
    }

    private func refreshMetadata(adding topic: String? = nil) async throws {
        if let running = metadataRefresh {
            let result = await running.result
            // Its starter clears it only when it runs again, which may be after this call:
            // left in place, the finished refresh would be waited for again and again, and a
            // topic it did not ask for would recurse here for ever.
            if metadataRefresh == running { metadataRefresh = nil }
            try result.get()
            if let topic, topics[topic] == nil, missingTopics[topic] == nil {
                try await refreshMetadata(adding: topic)
            }
            return
        }
        let wanted = Array(Set(topics.keys).union(topic.map { [$0] } ?? []))
        let task = Task { try await self.fetchMetadata(topics: wanted) }
        metadataRefresh = task
        defer { if metadataRefresh == task { metadataRefresh = nil } }
        try await task.value
    }

    private func fetchMetadata(topics wanted: [String]) async throws {
        guard let connection = try await anyConnection() else {
            throw KafkaConnectionError(message: "no broker connection for metadata", mayHaveReachedBroker: false)
        }
        guard let version = connection.version(for: .metadata) else {
            throw KafkaProducerError.brokerError("\(connection.address) supports no Metadata version this client speaks")
        }
        let response = try await connection.send(
            MetadataRequest(version: version, topics: wanted), as: MetadataResponse.self)
        var newBrokers: [Int32: BrokerAddress] = [:]
        for broker in response.brokers {
            newBrokers[broker.nodeID] = BrokerAddress(host: broker.host, port: Int(broker.port))
        }
        for (id, address) in brokers where newBrokers[id] != address {
            dropConnection(id)
        }
        brokers = newBrokers
        for topic in response.topics {
            if topic.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue
                || topic.errorCode == KafkaErrorCode.invalidTopicException.rawValue
                || topic.errorCode == KafkaErrorCode.topicAuthorizationFailed.rawValue
            {
                topics[topic.name] = nil
                missingTopics[topic.name] = (.now, topic.errorCode)
                continue
            }
            guard !topic.partitions.isEmpty else { continue }
            var leaders: [Int32: Int32] = [:]
            for partition in topic.partitions {
                leaders[partition.index] = partition.errorCode == 0 ? partition.leaderID : -1
            }
            topics[topic.name] = leaders
            missingTopics[topic.name] = nil
        }
        accumulator.updateTopics(topics)
    }

    /// A live connection to any broker: the bootstrap one, or a new one to a known broker.
    private func anyConnection() async throws -> KafkaConnection? {
        if let bootstrap, bootstrap.isActive { return bootstrap }
        for case .ready(let connection) in connections.values where connection.isActive {
            return connection
        }
        var lastError: Error?
        for id in brokers.keys.sorted() {
            do {
                return try await connection(to: id)
            } catch {
                lastError = error
            }
        }
        for address in configuration.bootstrapServers {
            guard let parsed = try? KafkaProducer.parse(address) else { continue }
            do {
                let connection = try await KafkaConnection.connect(
                    host: parsed.host, port: parsed.port, configuration: configuration, sslContext: sslContext,
                    group: group, logger: logger)
                bootstrap = connection
                return connection
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
        return nil
    }

    // MARK: connections

    private func connection(to id: Int32) async throws -> KafkaConnection {
        switch connections[id] {
        case .ready(let connection) where connection.isActive:
            return connection
        case .connecting(let task):
            return try await task.value
        default:
            break
        }
        guard let address = brokers[id] else {
            throw KafkaConnectionError(message: "broker \(id) is not in the cluster metadata", mayHaveReachedBroker: false)
        }
        if let bootstrap, bootstrap.isActive, bootstrap.address == address.text {
            connections[id] = .ready(bootstrap)
            return bootstrap
        }
        let task = Task { [configuration, sslContext, group, logger] in
            try await KafkaConnection.connect(
                host: address.host, port: address.port, configuration: configuration, sslContext: sslContext,
                group: group, logger: logger)
        }
        connections[id] = .connecting(task)
        do {
            let connection = try await task.value
            connections[id] = .ready(connection)
            return connection
        } catch {
            connections[id] = nil
            throw error
        }
    }

    private func dropConnection(_ id: Int32) {
        if case .ready(let connection) = connections[id] {
            if connection !== bootstrap { connection.close() }
        }
        connections[id] = nil
    }

    private func acquireSlot(_ broker: Int32) async {
        if inFlight[broker, default: 0] < configuration.maxInFlightPerBroker {
            inFlight[broker, default: 0] += 1
            return
        }
        await withCheckedContinuation { slotWaiters[broker, default: []].append($0) }
    }

    private func releaseSlot(_ broker: Int32) {
        if var waiters = slotWaiters[broker], !waiters.isEmpty {
            let next = waiters.removeFirst()
            slotWaiters[broker] = waiters
            next.resume()  // the slot passes on; the count stays
        } else {
            inFlight[broker, default: 1] -= 1
        }
    }

    // MARK: enqueue

    /// Appends a record whose topic the accumulator does not know yet: looks the topic up
    /// (which tells the accumulator its partitions), then appends. A topic that cannot be used
    /// gives the record its outcome at once.
    func enqueue(_ record: ProducerRecord, index: Int, sink: DeliverySink) async {
        if case .failure(let unusable) = await usablePartitions(of: record.topic) {
            sink.report(index, unusable.outcome)
            return
        }
        var step = RecordAccumulator.Step.none
        let appended = accumulator.append(
            record, index: index, sink: sink, timestampMs: record.timestamp ?? Self.nowMs(), now: .now, step: &step)
        if appended == .topicUnknown {  // the topic went away again meanwhile
            sink.report(index, Self.unknownTopic(record.topic))
        }
        carryOut(step)
    }

    static let closedOutcome = KafkaDeliveryOutcome.failed(
        code: -1, name: "PRODUCER_CLOSED", message: "the producer is closed; the record was not sent")

    /// Why the records of a topic cannot be sent, as their outcome.
    struct TopicUnusable: Error {
        var outcome: KafkaDeliveryOutcome
    }

    /// Partition -> leader of a topic, or the outcome its records get when it cannot be used.
    private func usablePartitions(of topic: String) async -> Result<[Int32: Int32], TopicUnusable> {
        if let known = topics[topic] { return .success(known) }
        do {
            return .success(try await partitions(of: topic))
        } catch KafkaProducerError.unknownTopic(let topic) {
            return .failure(TopicUnusable(outcome: Self.unknownTopic(topic)))
        } catch KafkaProducerError.topicAuthorizationFailed(let topic) {
            return .failure(
                TopicUnusable(
                    outcome: .failed(
                        code: KafkaErrorCode.topicAuthorizationFailed.rawValue, name: "TOPIC_AUTHORIZATION_FAILED",
                        message: KafkaProducerError.topicAuthorizationFailed(topic).description)))
        } catch {
            return .failure(
                TopicUnusable(
                    outcome: .unknown(
                        message: "could not read metadata for topic \(topic): \(KafkaErrorDescription.describe(error)); the record was not sent")))
        }
    }

    static func unknownTopic(_ topic: String) -> KafkaDeliveryOutcome {
        .failed(
            code: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: "UNKNOWN_TOPIC_OR_PARTITION",
            message: KafkaProducerError.unknownTopic(topic).description)
    }

    /// Does what the accumulator asks: starts a partition's linger timer or sends a batch.
    /// Nonisolated, so `produce` calls it on its own thread without a hop to the engine.
    nonisolated func carryOut(_ step: RecordAccumulator.Step) {
        switch step {
        case .none:
            break
        case .scheduleLinger(let tp, let after):
            Task {
                try? await Task.sleep(for: after)
                self.carryOut(self.accumulator.lingerExpired(tp, now: .now))
            }
        case .send(let batch, let tp):
            Task { await self.deliver(batch, to: tp) }
        }
    }

    // MARK: delivery

    private func stamp(for tp: TopicPartition, count: Int) async -> ProducerStamp {
        guard idempotent else { return .none }
        if identity == nil || identityNeedsReset {
            do {
                try await initProducerID()
            } catch {
                logger.warning("InitProducerId failed: \(KafkaErrorDescription.describe(error))")
            }
        }
        guard idempotent, let identity else { return .none }
        var state = sequences[tp] ?? SequenceState(generation: identity.generation, next: 0)
        if state.generation != identity.generation {
            state = SequenceState(generation: identity.generation, next: 0)
        }
        let base = state.next
        state.next = Int32(truncatingIfNeeded: (Int64(base) + Int64(count)) & Int64(Int32.max))
        sequences[tp] = state
        return ProducerStamp(producerID: identity.producerID, epoch: identity.epoch, baseSequence: base)
    }

    /// Sends one batch until it has an outcome: retries retriable errors and lost connections
    /// (lost after writing only when idempotent, as the broker then drops the duplicate).
    private func deliver(_ batch: PendingBatch, to tp: TopicPartition) async {
        let stamp = await stamp(for: tp, count: batch.count)
        let header = batch.builder.sealedHeader(stamp: stamp)
        let deadline = batch.enqueuedAt + configuration.deliveryTimeout
        var mayHaveBeenWritten = false
        var lastProblem = "no attempt made"
        /// The broker's last refusal, when the last problem was one.
        var lastCode: Int16?
        var attempt = 0

        func finish(_ outcome: (Int, Int64) -> KafkaDeliveryOutcome) {
            batch.finish(outcome)
        }

        while true {
            if attempt > 0 {
                if ContinuousClock.now + configuration.retryBackoff >= deadline {
                    let reached = mayHaveBeenWritten
                        ? "an attempt was written and its answer lost, so the records may be stored"
                        : "no attempt was stored"
                    // Unknown only if some attempt may have been stored; otherwise nothing is in
                    // Kafka and the records failed, with the broker's last refusal when there was one.
                    let text = "delivery timeout of \(configuration.deliveryTimeout) spent after \(attempt) attempts to \(tp) (\(reached)); last problem: \(lastProblem)"
                    let outcome: KafkaDeliveryOutcome = mayHaveBeenWritten
                        ? .unknown(message: text)
                        : .failed(code: lastCode ?? -1, name: lastCode.map { KafkaErrorCode.name(of: $0) } ?? "DELIVERY_TIMEOUT", message: text)
                    finish { _, _ in outcome }
                    if mayHaveBeenWritten { identityNeedsReset = true }
                    break
                }
                try? await Task.sleep(for: configuration.retryBackoff)
            }
            attempt += 1
            guard let leader = topics[tp.topic]?[tp.partition], leader >= 0 else {
                lastProblem = "no leader known for \(tp)"
                lastCode = nil
                try? await refreshMetadata(adding: tp.topic)
                continue
            }
            let connection: KafkaConnection
            do {
                connection = try await self.connection(to: leader)
            } catch {
                lastProblem = "broker \(leader): \(KafkaErrorDescription.describe(error))"
                lastCode = nil
                dropConnection(leader)
                try? await refreshMetadata()
                continue
            }
            guard let version = connection.version(for: .produce) else {
                let outcome: KafkaDeliveryOutcome = .failed(code: KafkaErrorCode.unsupportedVersion.rawValue, name: "UNSUPPORTED_VERSION", message: "\(connection.address) supports no Produce version 3...11")
                finish { _, _ in outcome }
                break
            }
            // The broker must give up before we do, or its late answer would find no one.
            let timeoutMs = Int32(clamping: max(1000, min(configuration.requestTimeout.milliseconds - 1000, 30_000)))
            let request = ProduceRequest(
                version: version, timeoutMs: timeoutMs,
                topics: [.init(topic: tp.topic, partitions: [.init(partition: tp.partition, batch: header, rest: batch.builder.records)])])
            await acquireSlot(leader)
            let response: ProduceResponse
            do {
                response = try await connection.send(request, as: ProduceResponse.self)
                releaseSlot(leader)
            } catch let error as KafkaConnectionError {
                releaseSlot(leader)
                dropConnection(leader)
                lastProblem = error.message
                lastCode = nil
                if error.mayHaveReachedBroker {
                    mayHaveBeenWritten = true
                    if !idempotent || stamp == .none {
                        let outcome: KafkaDeliveryOutcome = .unknown(message: "request to \(connection.address) written, then: \(error.message); retrying could duplicate")
                        finish { _, _ in outcome }
                        break
                    }
                }
                try? await refreshMetadata()
                continue
            } catch {
                releaseSlot(leader)
                dropConnection(leader)
                let outcome: KafkaDeliveryOutcome = .unknown(message: "unreadable answer from \(connection.address): \(KafkaErrorDescription.describe(error))")
                finish { _, _ in outcome }
                identityNeedsReset = true
                break
            }
            guard let answer = response.topics.first(where: { $0.topic == tp.topic })?.partitions.first(where: { $0.partition == tp.partition }) else {
                lastProblem = "\(connection.address) answered without partition \(tp)"
                mayHaveBeenWritten = true
                continue
            }
            let code = answer.errorCode
            if code == 0 {
                finish { position, timestampMs in
                    .delivered(partition: tp.partition, offset: answer.baseOffset + Int64(position),
                        timestampMs: answer.logAppendTimeMs >= 0 ? answer.logAppendTimeMs : timestampMs)
                }
                break
            }
            if code == KafkaErrorCode.duplicateSequenceNumber.rawValue {
                finish { _, timestampMs in .delivered(partition: tp.partition, offset: -1, timestampMs: timestampMs) }
                break
            }
            let name = KafkaErrorCode.name(of: code)
            if KafkaErrorCode.isRetriable(code) {
                lastProblem = "\(name) from \(connection.address)"
                lastCode = code
                // The broker may have appended the batch before timing out on its replicas.
                if code == KafkaErrorCode.requestTimedOut.rawValue || code == KafkaErrorCode.notEnoughReplicasAfterAppend.rawValue {
                    mayHaveBeenWritten = true
                }
                logger.debug("retriable produce error", metadata: ["partition": "\(tp)", "error": "\(name)"])
                if KafkaErrorCode.needsMetadataRefresh(code) { try? await refreshMetadata() }
                continue
            }
            // The broker refused the batch without writing it: the sequence numbers it had are free again.
            if stamp != .none, var state = sequences[tp], state.generation == identity?.generation {
                state.next = stamp.baseSequence
                sequences[tp] = state
            }
            if code == KafkaErrorCode.outOfOrderSequenceNumber.rawValue || code == KafkaErrorCode.unknownProducerId.rawValue
                || code == KafkaErrorCode.invalidProducerEpoch.rawValue
            {
                identityNeedsReset = true
            }
            let detail = answer.errorMessage.map { " (\($0))" } ?? ""
            let message = code == KafkaErrorCode.topicAuthorizationFailed.rawValue
                ? KafkaProducerError.topicAuthorizationFailed(tp.topic).description + detail
                : "broker \(connection.address) refused the batch for \(tp) with \(name)\(detail)"
            let outcome: KafkaDeliveryOutcome = .failed(code: code, name: name, message: message)
            finish { _, _ in outcome }
            break
        }
        carryOut(accumulator.batchFinished(tp, count: batch.count, now: .now))
    }

    // MARK: closing

    /// Sends whatever waits, waits for every outcome (bounded by the delivery timeout), then
    /// closes the connections.
    func close() async {
        guard !closed else { return }
        closed = true
        accumulator.close()
        await flush()
        for id in Array(connections.keys) { dropConnection(id) }
        bootstrap?.close()
        bootstrap = nil
    }

    /// Waits until every record enqueued so far has its outcome.
    func flush() async {
        for step in accumulator.flushAll() { carryOut(step) }
        await accumulator.waitUntilIdle()
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
