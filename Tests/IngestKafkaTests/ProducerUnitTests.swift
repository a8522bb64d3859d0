import NIOConcurrencyHelpers
import Testing

@testable import IngestKafka

@Suite struct PartitionerTests {
    /// Values from Kafka's own UtilsTest.testMurmur2.
    @Test func murmur2MatchesJavaClient() {
        let cases: [(String, Int32)] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ]
        for (key, expected) in cases {
            #expect(Partitioner.murmur2(Array(key.utf8)) == expected, "\(key)")
        }
    }

    @Test func partitionIsPositiveModulo() {
        for key in ["21", "foobar", "abc", ""] {
            let partition = Partitioner.partition(forKey: Array(key.utf8), partitionCount: 7)
            #expect((0..<7).contains(partition))
        }
        #expect(Partitioner.partition(forKey: Array("foobar".utf8), partitionCount: 3) == Int32((-790_332_482 & 0x7fff_ffff) % 3))
    }
}

@Suite struct PartitionQueueTests {
    static let sink = DeliverySink(report: { _, _ in })

    /// A record whose value has `bytes` bytes (under 57): it takes `bytes` + 7 in a batch
    /// (length, attributes, deltas, null key, value length, header count); from 57 to 63,
    /// `bytes` + 8, as its zigzag length then takes two bytes.
    static func append(
        _ bytes: Int, to queue: inout PartitionQueue, index: Int = 0, at now: ContinuousClock.Instant = t0
    ) -> PartitionQueue.Action {
        ProducerRecord(topic: "t", value: [UInt8](repeating: 7, count: bytes)).encoded(timestampMs: 1000) {
            queue.append($0, index: index, sink: sink, now: now)
        }
    }

    static let t0 = ContinuousClock.now
    static let linger = Duration.milliseconds(5)

    static func queue(batchMaxBytes: Int) -> PartitionQueue {
        PartitionQueue(batchMaxBytes: batchMaxBytes, linger: linger)
    }

    @Test func firstRecordLingersThenSends() {
        var queue = Self.queue(batchMaxBytes: 200)
        #expect(Self.append(10, to: &queue) == .scheduleLinger(after: Self.linger))
        #expect(Self.append(10, to: &queue, at: Self.t0 + .milliseconds(1)) == .none)
        #expect(queue.pendingBytes == 2 * 17)
        #expect(queue.lingerExpired(now: Self.t0 + Self.linger) == .sendNow)
        #expect(queue.takeBatch().count == 2)
        #expect(queue.inFlight)
        #expect(queue.pendingBytes == 0)
    }

    @Test func fullBatchSendsWithoutLinger() {
        var queue = Self.queue(batchMaxBytes: RecordBatch.headerSize + 100)
        #expect(Self.append(60, to: &queue) == .scheduleLinger(after: Self.linger))
        #expect(Self.append(60, to: &queue) == .sendNow)
        #expect(queue.takeBatch().count == 1, "a batch stays under batchMaxBytes")
        #expect(queue.pendingRecords == 1)
        #expect(queue.pendingBytes == 68)
    }

    @Test func oneBatchInFlightPerPartition() {
        var queue = Self.queue(batchMaxBytes: RecordBatch.headerSize + 100)
        _ = Self.append(10, to: &queue)
        _ = queue.lingerExpired(now: Self.t0 + Self.linger)
        _ = queue.takeBatch()
        #expect(Self.append(200, to: &queue) == .none, "busy: waits for the batch in flight")
        #expect(queue.lingerExpired(now: Self.t0 + Self.linger) == .none)
        #expect(queue.batchFinished(now: Self.t0 + .milliseconds(1)) == .sendNow, "full: goes without lingering")
        #expect(queue.takeBatch().count == 1, "an oversized record still goes, alone")
        #expect(queue.batchFinished(now: Self.t0 + .milliseconds(2)) == .none)
    }

    /// Records that came while a batch was in flight go when their own linger is over, not
    /// as soon as the batch in flight is answered: on a fast network that would make tiny batches.
    @Test func recordsWaitingBehindABatchKeepTheirLinger() {
        var queue = Self.queue(batchMaxBytes: 10_000)
        _ = Self.append(10, to: &queue)
        _ = queue.lingerExpired(now: Self.t0 + Self.linger)
        _ = queue.takeBatch()
        #expect(Self.append(10, to: &queue, at: Self.t0 + .milliseconds(6)) == .none)
        #expect(queue.batchFinished(now: Self.t0 + .milliseconds(7)) == .scheduleLinger(after: .milliseconds(4)))
        #expect(queue.lingerExpired(now: Self.t0 + .milliseconds(9)) == .scheduleLinger(after: .milliseconds(2)), "early timer: again for the rest")
        #expect(queue.lingerExpired(now: Self.t0 + .milliseconds(11)) == .sendNow)
        _ = queue.takeBatch()
        #expect(Self.append(10, to: &queue, at: Self.t0 + .milliseconds(12)) == .none)
        #expect(queue.batchFinished(now: Self.t0 + .milliseconds(20)) == .sendNow, "waited its linger behind the batch in flight")
    }

    @Test func flushSendsIdleQueue() {
        var queue = Self.queue(batchMaxBytes: 100)
        #expect(queue.flush() == .none)
        _ = Self.append(10, to: &queue)
        #expect(queue.flush() == .sendNow)
    }

    /// Records are encoded as they come; outcomes go back in batch order with their indices,
    /// kept as one run per stretch of consecutive indices.
    @Test func batchEncodesRecordsAndReportsInOrder() throws {
        let reports = NIOLockedValueBox<[(Int, KafkaDeliveryOutcome)]>([])
        let sink = DeliverySink(report: { index, outcome in reports.withLockedValue { $0.append((index, outcome)) } })
        var queue = Self.queue(batchMaxBytes: 10_000)
        let records = [
            ProducerRecord(topic: "t", key: Array("k".utf8), value: Array("one".utf8), headers: [("h", Array("v".utf8)), ("n", nil)]),
            ProducerRecord(topic: "t", value: nil, timestamp: 900),
            ProducerRecord(topic: "t", key: [], value: Array(repeating: 9, count: 300), timestamp: 5000),
        ]
        for (record, index) in zip(records, [5, 6, 9]) {
            _ = record.encoded(timestampMs: 1000) { queue.append($0, index: index, sink: sink, now: .now) }
        }
        let batch = queue.takeBatch()
        let decoded = try RecordBatch.decodeBatch(batch.builder.sealed(stamp: .none))
        #expect(decoded.map(\.offset) == [0, 1, 2])
        #expect(decoded.map(\.record) == [
            KafkaRecord(key: Array("k".utf8), value: Array("one".utf8), headers: [.init(name: "h", value: Array("v".utf8)), .init(name: "n", value: nil)], timestampMs: 1000),
            KafkaRecord(key: nil, value: nil, timestampMs: 900),
            KafkaRecord(key: [], value: Array(repeating: 9, count: 300), timestampMs: 5000),
        ])
        batch.finish { position, timestampMs in .delivered(partition: 0, offset: Int64(position), timestampMs: timestampMs) }
        #expect(reports.withLockedValue { $0.map(\.0) } == [5, 6, 9])
        #expect(reports.withLockedValue { $0.map(\.1) } == [
            .delivered(partition: 0, offset: 0, timestampMs: 1000), .delivered(partition: 0, offset: 1, timestampMs: 900),
            .delivered(partition: 0, offset: 2, timestampMs: 5000),
        ])
        #expect(batch.runs.map(\.count) == [2, 1])
    }
}

@Suite struct RecordAccumulatorTests {
    static func record(_ n: Int, partition: Int32? = nil, topic: String = "t") -> ProducerRecord {
        ProducerRecord(topic: topic, partition: partition, value: [UInt8(n)])
    }

    static func append(
        _ record: ProducerRecord, to accumulator: RecordAccumulator, index: Int = 0, sink: DeliverySink, step: inout RecordAccumulator.Step
    ) -> RecordAccumulator.Appended {
        var block = RecordBlock(topic: record.topic)
        block.append(record)
        var steps: [RecordAccumulator.Step] = []
        let (_, appended) = accumulator.append(block, range: 0..<1, firstIndex: index, timestampMs: 1000, sink: sink, now: { .now }, steps: &steps)
        if let only = steps.first { step = only }
        return appended
    }

    @Test func unknownTopicIsLeftToTheEngine() {
        let accumulator = RecordAccumulator(batchMaxBytes: 10_000, linger: .milliseconds(5), window: 10)
        let sink = DeliverySink(report: { _, _ in Issue.record("no outcome is due") })
        var step = RecordAccumulator.Step.none
        #expect(Self.append(Self.record(0), to: accumulator, sink: sink, step: &step) == .topicUnknown)
        accumulator.updateTopics(["t": [0: 1, 1: 2]])
        #expect(Self.append(Self.record(0), to: accumulator, sink: sink, step: &step) == .appended)
        guard case .scheduleLinger(let tp, let after) = step else {
            Issue.record("the first record of a batch starts its linger, got \(step)")
            return
        }
        #expect(after == .milliseconds(5))
        #expect(Self.append(Self.record(1, topic: "other"), to: accumulator, sink: sink, step: &step) == .topicUnknown)
        accumulator.updateTopics([:])
        #expect(Self.append(Self.record(0), to: accumulator, sink: sink, step: &step) == .topicUnknown, "gone from the metadata: looked up again")
        #expect(tp.topic == "t")
    }

    @Test func refusalsGetTheirOutcomeAtOnce() {
        let accumulator = RecordAccumulator(batchMaxBytes: 10_000, linger: .milliseconds(5), window: 10)
        accumulator.updateTopics(["t": [0: 1, 1: 2]])
        let outcomes = NIOLockedValueBox<[Int: KafkaDeliveryOutcome]>([:])
        let sink = DeliverySink(report: { index, outcome in outcomes.withLockedValue { $0[index] = outcome } })
        var step = RecordAccumulator.Step.none
        #expect(Self.append(Self.record(0, partition: 2), to: accumulator, index: 7, sink: sink, step: &step) == .refused)
        guard case .failed(let code, let name, let message) = outcomes.withLockedValue({ $0[7] }) else {
            Issue.record("partition 2 of a 2-partition topic must fail")
            return
        }
        #expect(code == 3 && name == "UNKNOWN_TOPIC_OR_PARTITION" && message.contains("it has 2"))
        accumulator.close()
        #expect(Self.append(Self.record(0, partition: 0), to: accumulator, index: 8, sink: sink, step: &step) == .refused)
        #expect(outcomes.withLockedValue { $0[8] } == ProducerEngine.closedOutcome)
        guard case .none = step else {
            Issue.record("a refused record asks for nothing, got \(step)")
            return
        }
    }

    /// The window bounds the records appended and unanswered: `.full` at the limit, and
    /// `waitForRoom` returns once a batch is answered.
    @Test func windowFillsAndFinishedBatchesMakeRoom() async {
        let accumulator = RecordAccumulator(batchMaxBytes: 10_000, linger: .milliseconds(5), window: 3)
        accumulator.updateTopics(["t": [0: 1]])
        let sink = DeliverySink(report: { _, _ in })
        var step = RecordAccumulator.Step.none
        #expect(Self.append(Self.record(0), to: accumulator, index: 0, sink: sink, step: &step) == .appended)
        #expect(Self.append(Self.record(1), to: accumulator, index: 1, sink: sink, step: &step) == .appended)
        #expect(Self.append(Self.record(2), to: accumulator, index: 2, sink: sink, step: &step) == .full)
        let steps = accumulator.flushAll()
        guard steps.count == 1, case .send(let batch, let tp) = steps[0] else {
            Issue.record("flush sends the one batch, got \(steps)")
            return
        }
        #expect(batch.count == 3 && tp == TopicPartition(topic: "t", partition: 0))
        let returned = NIOLockedValueBox<[String]>([])
        let idle = Task {
            await accumulator.waitUntilIdle()
            returned.withLockedValue { $0.append("idle") }
        }
        let room = Task {
            await accumulator.waitForRoom()
            returned.withLockedValue { $0.append("room") }
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(returned.withLockedValue { $0 }.isEmpty, "neither wait may end while the batch is unanswered")
        _ = accumulator.batchFinished(tp, count: batch.count, now: .now)
        await room.value
        await idle.value
        #expect(Set(returned.withLockedValue { $0 }) == ["idle", "room"])
        #expect(Self.append(Self.record(3), to: accumulator, index: 3, sink: sink, step: &step) == .appended)
    }

    /// Unkeyed records stick to one partition until its batch leaves, then move to another.
    @Test func stickyPartitionMovesWhenItsBatchLeaves() {
        let accumulator = RecordAccumulator(batchMaxBytes: RecordBatch.headerSize + 30, linger: .seconds(10), window: 100)
        accumulator.updateTopics(["t": [0: 1, 1: 1, 2: 1, 3: 1]])
        let sink = DeliverySink(report: { _, _ in })
        var partitions: [Int32] = []
        for index in 0..<6 {
            var step = RecordAccumulator.Step.none
            _ = Self.append(Self.record(index), to: accumulator, index: index, sink: sink, step: &step)
            switch step {
            case .scheduleLinger(let tp, _): partitions.append(tp.partition)
            case .send(_, let tp): partitions.append(tp.partition)
            case .none: partitions.append(-1)
            }
        }
        // Records take 8 bytes: three fill a batch, the fourth closes it and the batch goes;
        // the sticky partition then changes (records already placed stay where they are).
        #expect(partitions[0] >= 0 && partitions[1] == -1 && partitions[2] == -1)
        #expect(partitions[3] == partitions[0], "the full batch goes from the sticky partition")
        #expect(partitions[4] >= 0 && partitions[4] != partitions[0], "the next record starts a batch elsewhere")
    }
}

@Suite struct ConfigurationTests {
    @Test func passwordNeverAppearsWhenPrinted() {
        let configuration = KafkaProducerConfiguration(
            bootstrapServers: ["b-1.example:9096"],
            security: .saslSSL(username: "producer", password: "hunter2-secret", mechanism: .sha512, tls: .init()))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            #expect(!text.contains("hunter2-secret"))
        }
        #expect(String(describing: configuration.security).contains("<redacted>"))
    }

    @Test func bootstrapAddressesParse() throws {
        #expect(try KafkaProducer.parse("b-1.msk.example.com:9096") == ("b-1.msk.example.com", 9096))
        #expect(try KafkaProducer.parse("[::1]:9092") == ("::1", 9092))
        for bad in ["host", ":9092", "host:0", "host:70000", "host:x"] {
            #expect(throws: KafkaProducerError.self) { try KafkaProducer.parse(bad) }
        }
    }
}

extension ProducerRecord {
    /// The record as the producer appends it: laid out in a block of its own, stamped with
    /// `timestampMs` unless it has a timestamp.
    func encoded<Result>(timestampMs: Int64, _ body: (EncodedRecord) -> Result) -> Result {
        var block = RecordBlock(topic: topic)
        block.append(self)
        return block.withRecords(timestampMs: timestampMs) { body($0(0)) }
    }
}
