import Foundation
import Testing

@testable import IngestKafka

/// Our producer against tansu, a real Kafka-compatible broker (plaintext), read back with a
/// Fetch of our own. Needs scripts/fetch-test-brokers.sh (or INGEST_TANSU).
@Suite(.serialized, .timeLimit(.minutes(2))) struct TansuProducerTests {
    static func configuration(_ broker: TansuBroker) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(bootstrapServers: [broker.bootstrap], lingerMs: 2, deliveryTimeout: .seconds(20))
    }

    @Test func singleRecordWithHeadersReadsBackByteIdentical() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("single", partitions: 1)
        let producer = try await KafkaProducer.connect(Self.configuration(broker))
        let value = Array("{\"playerId\": \"123\", \"value\": \"é ✓\"}".utf8) + [0, 255]
        let record = ProducerRecord(
            topic: "single", key: Array("player-123".utf8), value: value,
            headers: [("source", Array("ingest".utf8)), ("empty", []), ("null", nil)], timestamp: 1_700_000_000_123)
        let outcome = await producer.send(record)
        guard case .delivered(let partition, let offset, _) = outcome else {
            Issue.record("expected delivery, got \(outcome)")
            return
        }
        #expect(partition == 0)
        #expect(offset == 0)
        await producer.close()
        let stored = try await TestConsumer.readAll(bootstrap: broker.bootstrap, topic: "single", partition: 0)
        #expect(stored.count == 1)
        #expect(stored.first?.record.key == record.key)
        #expect(stored.first?.record.value == value)
        #expect(stored.first?.record.timestampMs == 1_700_000_000_123)
        #expect(
            stored.first?.record.headers
                == [.init(name: "source", value: Array("ingest".utf8)), .init(name: "empty", value: []), .init(name: "null", value: nil)])
    }

    @Test func manyKeyedAndUnkeyedRecordsStreamed() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("many", partitions: 3)
        let producer = try await KafkaProducer.connect(Self.configuration(broker))
        #expect(try await producer.partitionCount(of: "many") == 3)
        let count = 600
        let records = (0..<count).map { i in
            ProducerRecord(
                topic: "many", key: i % 2 == 0 ? Array("key-\(i % 10)".utf8) : nil, value: Array("value-\(i)".utf8))
        }
        let outcomes = OutcomeCollector(count: count)
        try await producer.produce(records.async) { index, outcome in outcomes.set(index, outcome) }
        await producer.close()
        let results = outcomes.all()
        var byPartition: [Int32: [Int]] = [:]
        for (index, outcome) in results.enumerated() {
            guard case .delivered(let partition, _, _) = outcome else {
                Issue.record("record \(index): \(String(describing: outcome))")
                continue
            }
            byPartition[partition, default: []].append(index)
            if let key = records[index].key {
                #expect(partition == Partitioner.partition(forKey: key, partitionCount: 3))
            }
        }
        var readBack: [String: Int32] = [:]
        for partition in Int32(0)..<3 {
            let stored = try await TestConsumer.readAll(bootstrap: broker.bootstrap, topic: "many", partition: partition)
            #expect(stored.map(\.offset) == Array(0..<Int64(stored.count)), "offsets are dense")
            for entry in stored { readBack[String(decoding: entry.record.value ?? [], as: UTF8.self)] = partition }
            // Records of one key keep their order within the partition.
            var lastIndexByKey: [[UInt8]: Int] = [:]
            for entry in stored {
                guard let key = entry.record.key, let value = entry.record.value,
                    let index = Int(String(decoding: value, as: UTF8.self).dropFirst("value-".count))
                else { continue }
                #expect(index > lastIndexByKey[key, default: -1])
                lastIndexByKey[key] = index
            }
        }
        #expect(readBack.count == count, "every record read back exactly once")
        for (index, record) in records.enumerated() {
            if case .delivered(let partition, _, _) = results[index] {
                #expect(readBack[String(decoding: record.value!, as: UTF8.self)] == partition)
            }
        }
    }

    @Test func unknownTopicIsReportedNotCreated() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        let producer = try await KafkaProducer.connect(Self.configuration(broker))
        let outcome = await producer.send(ProducerRecord(topic: "ing-staging-missing", value: [1]))
        #expect(
            outcome
                == .failed(
                    code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION",
                    message: "topic ing-staging-missing does not exist: topics are created by the platform, ask Future Anthem for it"))
        await #expect(throws: KafkaProducerError.unknownTopic("ing-staging-missing")) {
            try await producer.partitionCount(of: "ing-staging-missing")
        }
        await producer.close()
        // Still not there: we never asked for auto-creation.
        let again = try await KafkaProducer.connect(Self.configuration(broker))
        await #expect(throws: KafkaProducerError.unknownTopic("ing-staging-missing")) {
            try await again.partitionCount(of: "ing-staging-missing")
        }
        await again.close()
    }
}

@Suite struct ConnectFailureTests {
    @Test func noBrokerReachableListsEveryAddress() async throws {
        let refusing = try TestPeers.RefusingPorts(count: 2)
        defer { withExtendedLifetime(refusing) {} }
        let servers = refusing.ports.map { "127.0.0.1:\($0)" }
        do {
            _ = try await KafkaProducer.connect(
                KafkaProducerConfiguration(bootstrapServers: servers, connectTimeout: .seconds(2)))
            Issue.record("connect should fail")
        } catch let error as KafkaProducerError {
            guard case .noBrokerReachable(let attempts) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(attempts.count == 2)
            for server in servers { #expect(error.description.contains(server)) }
            #expect(error.description.contains("whitelisted source IPs"))
        }
    }

    @Test func badBootstrapAddressIsAConfigurationError() async {
        await #expect(throws: KafkaProducerError.invalidConfiguration("bootstrap server 'nohost' is not host:port")) {
            _ = try await KafkaProducer.connect(KafkaProducerConfiguration(bootstrapServers: ["nohost"]))
        }
    }
}

/// Collects outcomes reported from any thread, one per index.
final class OutcomeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [KafkaDeliveryOutcome?]
    private var duplicates = 0

    init(count: Int) {
        outcomes = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ outcome: KafkaDeliveryOutcome) {
        lock.withLock {
            if outcomes[index] != nil { duplicates += 1 }
            outcomes[index] = outcome
        }
    }

    /// All outcomes; records an issue if one is missing or came twice.
    func all() -> [KafkaDeliveryOutcome?] {
        lock.withLock {
            #expect(duplicates == 0, "a record got more than one outcome")
            #expect(outcomes.allSatisfy { $0 != nil }, "a record got no outcome")
            return outcomes
        }
    }
}

extension Array where Element: Sendable {
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
