import Foundation
import IngestSandbox
import Testing

@testable import IngestKafka

/// Our producer against librdkafka's mock cluster (in this process), read back with kcat:
/// both peers are librdkafka, independent of our codec.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MockClusterProducerTests {
    static func configuration(_ cluster: MockCluster, deliveryTimeout: Duration = .seconds(20)) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(
            bootstrapServers: cluster.bootstrap.split(separator: ",").map(String.init), lingerMs: 2,
            batchMaxBytes: 64 * 1024, deliveryTimeout: deliveryTimeout, retryBackoff: .milliseconds(50),
            requestTimeout: .seconds(2), connectTimeout: .seconds(1))
    }

    static func text(_ bytes: [UInt8]?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func manyRecordsOverThreeBrokersReadBackWithKcat() async throws {
        let cluster = try MockCluster(brokers: 3)
        try cluster.createTopic("events", partitions: 4)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster))
        let count = 2000
        let records = (0..<count).map { i in
            ProducerRecord(
                topic: "events", key: i % 3 == 0 ? Array("player-\(i % 17)".utf8) : nil,
                value: Array("{\"n\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 50))\"}".utf8),
                headers: i % 5 == 0 ? [("trace", Array("t-\(i)".utf8))] : [])
        }
        let outcomes = OutcomeCollector(count: count)
        try await producer.produce(records.async) { outcomes.set($0, $1) }
        await producer.close()

        var delivered: [String: (Int32, Int64)] = [:]
        for (index, outcome) in outcomes.all().enumerated() {
            guard case .delivered(let partition, let offset, _) = outcome else {
                Issue.record("record \(index): \(String(describing: outcome))")
                continue
            }
            delivered[Self.text(records[index].value)!] = (partition, offset)
            if let key = records[index].key {
                #expect(partition == Partitioner.partition(forKey: key, partitionCount: 4))
            }
        }
        let messages = try Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "events")
        #expect(messages.count == count)
        #expect(Set(messages.compactMap(\.payload)).count == count, "no duplicates")
        let byValue = Dictionary(uniqueKeysWithValues: records.map { (Self.text($0.value)!, $0) })
        for message in messages {
            guard let payload = message.payload, let record = byValue[payload] else {
                Issue.record("kcat read an unknown message \(message)")
                continue
            }
            #expect(delivered[payload]?.0 == message.partition)
            #expect(delivered[payload]?.1 == message.offset)
            #expect(message.key == Self.text(record.key))
            let expectedHeaders = record.headers.flatMap { [$0.name, Self.text($0.value) ?? ""] }
            #expect((message.headers ?? []) == expectedHeaders)
        }
    }

    @Test func retriableErrorsAreRetriedFatalOnesReported() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("retry", partitions: 1)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster))

        // NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, then success.
        cluster.failNextProduceRequests([19, 6, 7])
        let first = await producer.send(ProducerRecord(topic: "retry", value: Array("one".utf8)))
        #expect(first == .delivered(partition: 0, offset: 0, timestampMs: try Self.timestamp(first)))

        // The broker drops the connection after reading the request: the idempotent retry
        // must not write the record twice.
        cluster.failNextProduceRequests([-195])  // RD_KAFKA_RESP_ERR__TRANSPORT: mock disconnects
        let second = await producer.send(ProducerRecord(topic: "retry", value: Array("two".utf8)))
        guard case .delivered = second else {
            Issue.record("expected delivery after a dropped connection, got \(second)")
            return
        }

        cluster.failNextProduceRequests([29])  // TOPIC_AUTHORIZATION_FAILED: not retriable
        let third = await producer.send(ProducerRecord(topic: "retry", value: Array("three".utf8)))
        guard case .failed(let code, let name, let message) = third else {
            Issue.record("expected failure, got \(third)")
            return
        }
        #expect(code == 29)
        #expect(name == "TOPIC_AUTHORIZATION_FAILED")
        #expect(message.contains("not allowed to write to topic retry"))

        // A refused batch frees its sequence numbers: the next record goes through.
        let fourth = await producer.send(ProducerRecord(topic: "retry", value: Array("four".utf8)))
        guard case .delivered = fourth else {
            Issue.record("expected delivery after a refused batch, got \(fourth)")
            return
        }
        await producer.close()
        let payloads = try Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "retry").compactMap(\.payload)
        #expect(payloads == ["one", "two", "four"])
    }

    @Test func retriesStopAtTheDeliveryTimeout() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("slow", partitions: 1)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, deliveryTimeout: .seconds(1)))
        cluster.failNextProduceRequests(Array(repeating: 19, count: 200))
        let outcome = await producer.send(ProducerRecord(topic: "slow", value: [1]))
        guard case .unknown(let message) = outcome else {
            Issue.record("expected unknown, got \(outcome)")
            return
        }
        #expect(message.contains("delivery timeout"))
        #expect(message.contains("NOT_ENOUGH_REPLICAS"))
        await producer.close()
    }

    @Test func brokerDownMidRunEveryRecordGetsExactlyOneOutcome() async throws {
        let cluster = try MockCluster(brokers: 3)
        try cluster.createTopic("outage", partitions: 6)
        // The mock places leaders at random; pin them so broker 2 surely leads partitions 2 and 3.
        for partition in Int32(0)..<6 { cluster.setPartitionLeader(topic: "outage", partition: partition, broker: partition / 2 + 1) }
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, deliveryTimeout: .seconds(3)))
        let count = 3000
        let records = (0..<count).map { ProducerRecord(topic: "outage", key: Array("k\($0)".utf8), value: Array("v\($0)".utf8)) }
        let (stream, input) = AsyncStream<ProducerRecord>.makeStream()
        let outcomes = OutcomeCollector(count: count)
        let feeder = Task {
            for (index, record) in records.enumerated() {
                if index == count / 3 { cluster.setBrokerDown(2) }
                input.yield(record)
                if index % 100 == 0 { try? await Task.sleep(for: .milliseconds(5)) }
            }
            input.finish()
        }
        try await producer.produce(stream) { outcomes.set($0, $1) }
        await feeder.value
        await producer.close()
        cluster.setBrokerUp(2)

        var delivered: [String: (Int32, Int64)] = [:]
        var unknown = Set<String>()
        var failed = 0
        for (index, outcome) in outcomes.all().enumerated() {
            let value = Self.text(records[index].value)!
            switch outcome {
            case .delivered(let partition, let offset, _): delivered[value] = (partition, offset)
            case .unknown: unknown.insert(value)
            case .failed: failed += 1
            case nil: break
            }
        }
        #expect(delivered.count + unknown.count + failed == count)
        #expect(!unknown.isEmpty, "broker 2 leads partitions 2 and 3: their later records cannot be delivered in time")
        #expect(delivered.count > count / 2, "the other brokers kept working")
        for (index, record) in records.enumerated() where index > count / 3 {
            let partition = Partitioner.partition(forKey: record.key!, partitionCount: 6)
            if partition != 2 && partition != 3 {
                #expect(delivered[Self.text(record.value)!] != nil, "record \(index) for partition \(partition) on a live broker")
            }
        }
        let messages = try Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "outage")
        let payloads = messages.compactMap(\.payload)
        #expect(Set(payloads).count == payloads.count, "no duplicates after retries")
        for message in messages {
            guard let payload = message.payload else { continue }
            if let (partition, offset) = delivered[payload] {
                #expect(partition == message.partition && offset == message.offset)
            } else {
                #expect(unknown.contains(payload), "\(payload) is stored but was reported neither delivered nor unknown")
            }
        }
        #expect(Set(payloads).isSuperset(of: delivered.keys))
    }

    static func timestamp(_ outcome: KafkaDeliveryOutcome) throws -> Int64 {
        guard case .delivered(_, _, let timestamp) = outcome else { throw TestPeerError("not delivered: \(outcome)") }
        return timestamp
    }
}
