import NIOCore

/// Delivery: batches handed over by the accumulator go to their partition's
/// `PartitionDelivery` machine, and the engine performs what the machine asks (writes,
/// timers, outcomes, metadata, identity). No delivery rule lives here.
extension ProducerEngine {
    /// A batch taken from the accumulator. Batches of one partition are taken in order but may
    /// arrive here in another one (each in its own task): they are put back in order first.
    func accept(_ batch: PendingBatch, for tp: TopicPartition) {
        let expected = nextOrdinal[tp, default: 0]
        guard batch.ordinal == expected else {
            early[tp, default: [:]][batch.ordinal] = batch
            return
        }
        var next: PendingBatch? = batch
        while let current = next {
            nextOrdinal[tp] = current.ordinal + 1
            let id = BatchID(value: nextBatchID)
            nextBatchID += 1
            batches[id] = current
            let now = ContinuousClock.now
            deliver(tp) { $0.add(id, count: current.count, enqueuedAt: current.enqueuedAt, now: now) }
            next = early[tp]?.removeValue(forKey: current.ordinal + 1)
        }
    }

    /// Feeds one event to a partition's machine (made on first use) and performs its actions.
    func deliver(_ tp: TopicPartition, _ event: (inout PartitionDelivery) -> [PartitionDelivery.Action]) {
        var machine = deliveries[tp] ?? PartitionDelivery(
            topic: tp.topic, partition: tp.partition, idempotent: idempotent,
            maxInFlight: configuration.maxInFlightPerPartition, retryBackoff: configuration.retryBackoff,
            deliveryTimeout: configuration.deliveryTimeout, identity: identity)
        let actions = event(&machine)
        deliveries[tp] = machine
        perform(actions, for: tp)
    }

    private func perform(_ actions: [PartitionDelivery.Action], for tp: TopicPartition) {
        var refresh = false
        for action in actions {
            switch action {
            case .send(let id, let identity, let baseSequence):
                writeQueues[tp, default: []].append(Write(id: id, identity: identity, baseSequence: baseSequence))
                if !writers.contains(tp) {
                    writers.insert(tp)
                    Task { await self.writeQueued(tp) }
                }
            case .startRetryTimer(let delay):
                Task {
                    try? await Task.sleep(for: delay)
                    self.deliver(tp) { $0.retryTimerFired(now: .now) }
                }
            case .finish(let id, let outcome):
                guard let batch = batches.removeValue(forKey: id) else { continue }
                Self.report(outcome, of: batch, in: tp)
                carryOut(accumulator.batchFinished(tp, count: batch.count, now: .now))
            case .refreshMetadata:
                refresh = true
            case .needIdentity(let newerThan):
                provideIdentity(to: tp, newerThan: newerThan)
            }
        }
        if refresh { Task { try? await self.refreshMetadata() } }
    }

    private static func report(_ outcome: PartitionDelivery.Outcome, of batch: PendingBatch, in tp: TopicPartition) {
        switch outcome {
        case .delivered(let baseOffset, let logAppendTimeMs):
            batch.finishDelivered(partition: tp.partition, baseOffset: baseOffset, logAppendTimeMs: logAppendTimeMs)
        case .failed(let code, let name, let message):
            let outcome = KafkaDeliveryOutcome.failed(code: code, name: name, message: message)
            batch.finish { _, _ in outcome }
        case .unknown(let message):
            let outcome = KafkaDeliveryOutcome.unknown(message: message)
            batch.finish { _, _ in outcome }
        }
    }

    // MARK: writing

    /// Writes the partition's queued requests in order. Only one runs per partition at a
    /// time (`writers`), so a request waiting for its connection is never overtaken.
    private func writeQueued(_ tp: TopicPartition) async {
        defer { writers.remove(tp) }
        while let write = writeQueues[tp]?.first {
            guard let leader = topics[tp.topic]?[tp.partition], leader >= 0 else {
                notSent(tp, "no leader known for \(tp)")
                continue
            }
            var connection = readyConnection(to: leader)
            if connection == nil {
                do {
                    connection = try await self.connection(to: leader)
                } catch {
                    dropConnection(leader)
                    notSent(tp, "broker \(leader): \(KafkaErrorDescription.describe(error))")
                    continue
                }
            }
            guard let connection, writeQueues[tp]?.first?.id == write.id else { continue }
            writeQueues[tp]!.removeFirst()
            guard let batch = batches[write.id] else { continue }
            guard let version = connection.version(for: .produce) else {
                deliver(tp) {
                    $0.answered(
                        write.id,
                        .impossible(
                            code: KafkaErrorCode.unsupportedVersion.rawValue, name: "UNSUPPORTED_VERSION",
                            message: "\(connection.address) supports no Produce version 3...11"),
                        now: .now)
                }
                continue
            }
            let stamp = write.identity.map {
                ProducerStamp(producerID: $0.producerID, epoch: $0.epoch, baseSequence: write.baseSequence)
            } ?? .none
            // The broker must give up before we do, or its late answer would find no one.
            let timeoutMs = Int32(clamping: max(1000, min(configuration.requestTimeout.milliseconds - 1000, 30_000)))
            let wire = batch.wire(stamp: stamp)
            let request = ProduceRequest(
                version: version, timeoutMs: timeoutMs,
                topics: [.init(topic: tp.topic, partitions: [.init(partition: tp.partition, batch: wire.header, rest: wire.records)])])
            let answers = self.answers
            connection.write(request).whenComplete { result in
                let decoded = result.flatMap { frame in
                    Result { try KafkaFraming.decode(ProduceResponse.self, frame: frame, apiKey: .produce, version: version) }
                }
                answers.yield(AnswerEvent(tp: tp, id: write.id, leader: leader, connection: connection, result: decoded))
            }
        }
    }

    /// The first queued request of a partition could not be written; those behind it are
    /// not written either (they would only be refused as out of order).
    private func notSent(_ tp: TopicPartition, _ problem: String) {
        let writes = writeQueues.removeValue(forKey: tp) ?? []
        for write in writes {
            deliver(tp) { $0.answered(write.id, .notSent(problem), now: .now) }
        }
    }

    // MARK: answers

    func handle(_ event: AnswerEvent) {
        let answer: PartitionDelivery.Answer
        switch event.result {
        case .success(let response):
            if let found = response.topics.first(where: { $0.topic == event.tp.topic })?.partitions.first(where: {
                $0.partition == event.tp.partition
            }) {
                answer = found.errorCode == 0
                    ? .stored(baseOffset: found.baseOffset, logAppendTimeMs: found.logAppendTimeMs)
                    : .refused(code: found.errorCode, message: found.errorMessage)
                if found.errorCode != 0 {
                    logger.debug(
                        "produce refused", metadata: ["partition": "\(event.tp)", "error": "\(KafkaErrorCode.name(of: found.errorCode))"])
                }
            } else {
                answer = .lost("\(event.connection.address) answered without partition \(event.tp)", mayHaveReachedBroker: true)
            }
        case .failure(let error as KafkaConnectionError):
            dropConnection(event.leader, ifStill: event.connection)
            answer = .lost(error.message, mayHaveReachedBroker: error.mayHaveReachedBroker)
        case .failure(let error):
            dropConnection(event.leader, ifStill: event.connection)
            answer = .unreadable("\(event.connection.address): \(KafkaErrorDescription.describe(error))")
        }
        deliver(event.tp) { $0.answered(event.id, answer, now: .now) }
    }

    // MARK: identity

    /// Gives the partition the current identity if it is new enough, else asks the cluster
    /// for one: one InitProducerId at a time, whatever the number of partitions waiting.
    private func provideIdentity(to tp: TopicPartition, newerThan generation: Int?) {
        if !idempotent {
            deliver(tp) { $0.identityAvailable(nil, now: .now) }
            return
        }
        if let identity, identity.generation > (generation ?? 0) {
            deliver(tp) { $0.identityAvailable(identity, now: .now) }
            return
        }
        identityWaiters.insert(tp)
        guard identityRenewal == nil else { return }
        identityRenewal = Task { await self.renewIdentity() }
    }

    private func renewIdentity() async {
        var problem: String?
        do {
            try await initProducerID()
        } catch {
            problem = KafkaErrorDescription.describe(error)
            logger.warning("InitProducerId failed: \(problem!)")
            // Asked again by the partitions after the backoff, not in a tight loop.
            try? await Task.sleep(for: configuration.retryBackoff)
        }
        identityRenewal = nil
        let waiting = identityWaiters
        identityWaiters = []
        for tp in waiting {
            if let problem {
                deliver(tp) { $0.identityUnavailable(problem, now: .now) }
            } else {
                let current = idempotent ? identity : nil
                deliver(tp) { $0.identityAvailable(current, now: .now) }
            }
        }
    }

    // MARK: stopping

    /// Every record without an outcome gets one now: unknown when its batch may have reached
    /// a broker, failed when it was never sent.
    func abortAll(_ reason: String) {
        for tp in Array(deliveries.keys) {
            deliver(tp) { $0.abort(reason) }
        }
        var left: [(PendingBatch, TopicPartition)] = early.flatMap { tp, batches in batches.values.map { ($0, tp) } }
        early = [:]
        left += accumulator.takeAllWaiting()
        let outcome = KafkaDeliveryOutcome.failed(code: -1, name: "PRODUCER_CLOSED", message: "\(reason); the record was not sent")
        for (batch, _) in left {
            batch.finish { _, _ in outcome }
            accumulator.recordsFinished(batch.count)
        }
        writeQueues = [:]
    }
}
