import Foundation
import IngestSandbox
import NIOConcurrencyHelpers
import Testing

@testable import IngestKafka

/// Our producer against librdkafka's mock cluster (in this process), read back with kcat:
/// both peers are librdkafka, independent of our codec.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MockClusterProducerTests {
    static func configuration(
        _ cluster: MockCluster, deliveryTimeout: Duration = .seconds(20), maxUnansweredRecords: Int = 100_000
    ) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(
            bootstrapServers: cluster.bootstrap.split(separator: ",").map(String.init), lingerMs: 2,
            batchMaxBytes: 64 * 1024, deliveryTimeout: deliveryTimeout, retryBackoff: .milliseconds(50),
            requestTimeout: .seconds(2), connectTimeout: .seconds(1), maxUnansweredRecords: maxUnansweredRecords)
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
        let messages = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "events")
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

        // NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, then success: the
        // record is delivered, at offset 0 (and, below, stored once with its own timestamp).
        cluster.failNextProduceRequests([19, 6, 7])
        let first = await producer.send(ProducerRecord(topic: "retry", value: Array("one".utf8), timestamp: 1_700_000_000_123))
        guard case .delivered(partition: 0, offset: 0, _) = first else {
            Issue.record("expected delivery at offset 0 after three retriable errors, got \(first)")
            return
        }

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
        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "retry")
        #expect(stored.compactMap(\.payload) == ["one", "two", "four"])
        #expect(stored.first?.ts == 1_700_000_000_123, "the retried record keeps its timestamp")
    }

    @Test func retriesStopAtTheDeliveryTimeout() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("slow", partitions: 1)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, deliveryTimeout: .seconds(1)))
        // NOT_ENOUGH_REPLICAS: the broker refused before appending, so nothing is stored and
        // the record failed, with the broker's code.
        cluster.failNextProduceRequests(Array(repeating: 19, count: 200))
        let outcome = await producer.send(ProducerRecord(topic: "slow", value: Array("refused".utf8)))
        guard case .failed(let code, let name, let message) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(code == 19 && name == "NOT_ENOUGH_REPLICAS")
        #expect(message.contains("delivery timeout") && message.contains("no attempt was stored"))
        await producer.close()
        #expect(try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "slow").isEmpty)
    }

    @Test func aTimeoutThatMayHaveBeenAppendedIsUnknown() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("slow", partitions: 1)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, deliveryTimeout: .seconds(1)))
        // REQUEST_TIMED_OUT: the broker may have appended the batch while waiting on replicas.
        cluster.failNextProduceRequests(Array(repeating: 7, count: 200))
        let outcome = await producer.send(ProducerRecord(topic: "slow", value: [1]))
        guard case .unknown(let message) = outcome else {
            Issue.record("expected unknown, got \(outcome)")
            return
        }
        #expect(message.contains("delivery timeout") && message.contains("REQUEST_TIMED_OUT") && message.contains("may be stored"))
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
        // Broker 2 stays down until the producer is closed: records of its partitions (2 and
        // 3) appended after it went down cannot be delivered (unknown when a request may have
        // reached it, failed otherwise; below, no failed record is stored); every other
        // record is delivered.
        for (index, record) in records.enumerated() where index > count / 3 {
            let partition = Partitioner.partition(forKey: record.key!, partitionCount: 6)
            let value = Self.text(record.value)!
            if partition == 2 || partition == 3 {
                #expect(delivered[value] == nil, "record \(index) for partition \(partition) on the broker that is down")
            } else {
                #expect(delivered[value] != nil, "record \(index) for partition \(partition) on a live broker")
            }
        }
        let messages = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "outage")
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

    /// Reports in the order they came: those of one partition must come in record order
    /// with rising offsets, every record exactly once.
    static func checkOrder(_ reports: [(Int, KafkaDeliveryOutcome)], count: Int) {
        #expect(reports.count == count, "one report per record")
        #expect(Set(reports.map(\.0)) == Set(0..<count), "every record reported once")
        var last: [Int32: (index: Int, offset: Int64)] = [:]
        for (index, outcome) in reports {
            guard case .delivered(let partition, let offset, _) = outcome else { continue }
            if let previous = last[partition] {
                #expect(previous.index < index && previous.offset < offset, "partition \(partition): \(previous) then \((index, offset))")
            }
            last[partition] = (index, offset)
        }
    }

    /// A source faster than the producer: the window (here 500 records) fills and empties
    /// again and again and is never overrun, partitions keep their order. In blocks (a native
    /// send's fast path), records go a run at a time under one lock: a run stops where the
    /// window fills and goes on after, refusals (partition 99) come out of the middle of runs.
    @Test(arguments: [false, true])
    func fastSourceFillsTheWindowKeepsOrderAndGivesOneOutcomeEach(inBlocks: Bool) async throws {
        let cluster = try MockCluster(brokers: 3)
        try cluster.createTopic("fast", partitions: 6)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, maxUnansweredRecords: 500))
        let count = 50_000
        let records = (0..<count).map { i in
            ProducerRecord(
                topic: "fast", partition: i % 1000 == 999 ? 99 : (i % 10 == 5 ? 4 : nil),
                key: i % 3 == 0 ? Array("k\(i % 11)".utf8) : nil, value: Array("fast-\(i)".utf8))
        }
        let reports = NIOLockedValueBox<[(Int, KafkaDeliveryOutcome)]>([])
        // At each read: records read and not answered (the window bounds them).
        let unanswered = NIOLockedValueBox<[Int]>([])
        let source = CountingSource(records: records) { read in
            unanswered.withLockedValue { $0.append(read - reports.withLockedValue { $0.count }) }
        }
        if inBlocks {
            let blocks = stride(from: 0, to: count, by: 4096).map { start in
                var block = RecordBlock(topic: "fast")
                for record in records[start..<min(start + 4096, count)] { block.append(record) }
                return block
            }
            // The window bounds what is appended and unanswered, whatever a block holds.
            let peak = NIOLockedValueBox(0)
            try await producer.produce(blocks: blocks.async, onReport: { index, outcome in
                reports.withLockedValue { $0.append((index, outcome)) }
            }, willAppend: { first, _ in
                let answered = reports.withLockedValue { $0.count }
                peak.withLockedValue { $0 = max($0, first - answered) }
                return 1_700_000_000_000
            })
            #expect(peak.withLockedValue { $0 } <= 500, "the window was overrun")
        } else {
            try await producer.produce(source) { index, outcome in reports.withLockedValue { $0.append((index, outcome)) } }
        }
        await producer.close()
        let all = reports.withLockedValue { $0 }
        Self.checkOrder(all, count: count)
        if !inBlocks {
            let most = unanswered.withLockedValue { $0.max() ?? 0 }
            #expect(most <= 500, "the window was overrun: \(most) records unanswered")
            #expect(most >= 400, "the window never filled: at most \(most) records unanswered")
        }
        var delivered = 0
        for (index, outcome) in all {
            switch outcome {
            case .delivered(let partition, _, _):
                delivered += 1
                if let explicit = records[index].partition { #expect(partition == explicit) }
                else if let key = records[index].key { #expect(partition == Partitioner.partition(forKey: key, partitionCount: 6)) }
            case .failed(let code, _, let message):
                #expect(records[index].partition == 99 && code == KafkaErrorCode.unknownTopicOrPartition.rawValue, "\(index): \(message)")
            case .unknown(let message):
                Issue.record("record \(index): \(message)")
            }
        }
        #expect(delivered == count - count / 1000)
        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "fast")
        #expect(stored.count == delivered)
        #expect(Set(stored.compactMap(\.payload)).count == delivered, "no duplicates")
    }

    /// A source that gives one record and then waits for its outcome: no record waits for a
    /// chunk to fill; each goes at once.
    @Test func slowSourceRecordsGoOneByOneWithoutWaitingForMore() async throws {
        let cluster = try MockCluster(brokers: 3)
        try cluster.createTopic("slow-source", partitions: 3)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster))
        let count = 20
        let (stream, input) = AsyncStream<ProducerRecord>.makeStream()
        let reports = NIOLockedValueBox<[(Int, KafkaDeliveryOutcome)]>([])
        let (answers, answered) = AsyncStream<Int>.makeStream()
        let feeder = Task {
            var iterator = answers.makeAsyncIterator()
            for i in 0..<count {
                let yielded = ContinuousClock.now
                input.yield(ProducerRecord(topic: "slow-source", key: i % 2 == 0 ? Array("key".utf8) : nil, value: Array("slow-\(i)".utf8)))
                // The source does not end and gives nothing more until this record has its outcome.
                let index = await iterator.next()
                #expect(index == i)
                // Linger is 2 ms: a record waiting for company would wait for ever. The bound
                // only tells that apart from a slow machine, so it is generous.
                #expect(ContinuousClock.now - yielded < .seconds(30), "record \(i) waited for more records")
            }
            input.finish()
        }
        try await producer.produce(stream) { index, outcome in
            reports.withLockedValue { $0.append((index, outcome)) }
            answered.yield(index)
        }
        await feeder.value
        await producer.close()
        let all = reports.withLockedValue { $0 }
        Self.checkOrder(all, count: count)
        #expect(all.allSatisfy { if case .delivered = $0.1 { true } else { false } })
    }

    /// Two `produce` calls on one producer at once (the sandbox's REST proxy and a native
    /// send share one): they share the accumulator and its window, each gets exactly its own
    /// outcomes, and each keeps its order within a partition. The single send to a second
    /// topic, looked up while the first topic's lookup runs, once made the metadata refresh
    /// wait for that finished lookup again and again (recursing until the process ran out of
    /// memory).
    @Test func concurrentProducesShareOneProducer() async throws {
        let cluster = try MockCluster(brokers: 3)
        try cluster.createTopic("shared", partitions: 3)
        try cluster.createTopic("other", partitions: 2)
        let producer = try await KafkaProducer.connect(Self.configuration(cluster, maxUnansweredRecords: 1_000))
        let count = 8_000
        func records(_ topic: String, _ tag: String) -> [ProducerRecord] {
            (0..<count).map { i in
                ProducerRecord(topic: topic, key: i % 4 == 0 ? Array("k\(i % 7)".utf8) : nil, value: Array("\(tag)-\(i)".utf8))
            }
        }
        let first = NIOLockedValueBox<[(Int, KafkaDeliveryOutcome)]>([])
        let second = NIOLockedValueBox<[(Int, KafkaDeliveryOutcome)]>([])
        async let a: Void = producer.produce(records("shared", "a").async) { index, outcome in first.withLockedValue { $0.append((index, outcome)) } }
        async let b: Void = producer.produce(records("shared", "b").async) { index, outcome in second.withLockedValue { $0.append((index, outcome)) } }
        async let c = producer.send(ProducerRecord(topic: "other", value: Array("single".utf8)))
        try await a
        try await b
        guard case .delivered(_, let offset, _) = await c else {
            Issue.record("the single send was not delivered")
            return
        }
        await producer.close()
        #expect(offset == 0)
        for reports in [first, second] {
            let all = reports.withLockedValue { $0 }
            Self.checkOrder(all, count: count)
            #expect(all.allSatisfy { if case .delivered = $0.1 { true } else { false } })
        }
        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "shared")
        #expect(stored.count == 2 * count)
        #expect(Set(stored.compactMap(\.payload)).count == 2 * count, "no duplicates")
    }

    static func timestamp(_ outcome: KafkaDeliveryOutcome) throws -> Int64 {
        guard case .delivered(_, _, let timestamp) = outcome else { throw TestPeerError("not delivered: \(outcome)") }
        return timestamp
    }
}

/// The records, read one by one; `onRead` learns how many were read before each one.
struct CountingSource: AsyncSequence, Sendable {
    let records: [ProducerRecord]
    let onRead: @Sendable (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: CountingSource
        var position = 0

        mutating func next() async -> ProducerRecord? {
            guard position < source.records.count else { return nil }
            source.onRead(position)
            defer { position += 1 }
            return source.records[position]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}
