import NIOCore

/// Cluster metadata and broker connections.
extension ProducerEngine {
    /// The partition count of a topic; throws `KafkaProducerError.unknownTopic` or
    /// `.topicAuthorizationFailed` when it cannot be used.
    func partitionCount(of topic: String) async throws -> Int {
        try await partitions(of: topic).count
    }

    /// Partition -> leader of a topic. Absence is remembered for a few seconds so a stream of
    /// records for a missing topic does not become a stream of Metadata requests.
    func partitions(of topic: String) async throws -> [Int32: Int32] {
        if let known = topics[topic] { return known }
        if let missing = missingTopics[topic], ContinuousClock.now - missing.since >= .seconds(5) {
            missingTopics[topic] = nil
        }
        if missingTopics[topic] == nil { try await refreshMetadata(adding: [topic]) }
        if let known = topics[topic] { return known }
        if missingTopics[topic]?.code == KafkaErrorCode.topicAuthorizationFailed.rawValue {
            throw KafkaProducerError.topicAuthorizationFailed(topic)
        }
        throw KafkaProducerError.unknownTopic(topic)
    }

    /// Why the records of a topic cannot be sent, as their outcome.
    struct TopicUnusable: Error {
        var outcome: KafkaDeliveryOutcome
    }

    /// Partition -> leader of a topic, or the outcome its records get when it cannot be used.
    func usablePartitions(of topic: String) async -> Result<[Int32: Int32], TopicUnusable> {
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

    func refreshMetadata(adding more: [String] = []) async throws {
        if let running = metadataRefresh {
            let result = await running.result
            // Its starter clears it only when it runs again, which may be after this call:
            // left in place, the finished refresh would be waited for again and again, and a
            // topic it did not ask for would recurse here for ever.
            if metadataRefresh == running { metadataRefresh = nil }
            try result.get()
            let unasked = more.filter { topics[$0] == nil && missingTopics[$0] == nil }
            if !unasked.isEmpty {
                try await refreshMetadata(adding: unasked)
            }
            return
        }
        let wanted = Array(Set(topics.keys).union(more))
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
    func anyConnection() async throws -> KafkaConnection? {
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

    /// The live connection to a broker, if there is one right now (no waiting).
    func readyConnection(to id: Int32) -> KafkaConnection? {
        if case .ready(let connection) = connections[id], connection.isActive { return connection }
        return nil
    }

    func connection(to id: Int32) async throws -> KafkaConnection {
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
        let task = preconnected.removeValue(forKey: address.text) ?? connectTask(host: address.host, port: address.port)
        connections[id] = .connecting(task)
        do {
            let connection = try await task.value
            if case .connecting(let current) = connections[id], current == task { connections[id] = .ready(connection) }
            return connection
        } catch {
            if case .connecting(let current) = connections[id], current == task { connections[id] = nil }
            throw error
        }
    }

    func dropConnection(_ id: Int32) {
        if case .ready(let connection) = connections[id] {
            if connection !== bootstrap { connection.close() }
        }
        connections[id] = nil
    }

    /// Drops the connection to a broker only if it is still this one (an answer that failed
    /// on an old connection must not close a newer one).
    func dropConnection(_ id: Int32, ifStill connection: KafkaConnection) {
        if case .ready(let current) = connections[id], current === connection { dropConnection(id) }
    }
}
