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
    static func record(_ size: Int) -> PendingRecord {
        PendingRecord(record: KafkaRecord(key: nil, value: [], timestampMs: 0), size: size, enqueuedAt: .now, complete: { _ in })
    }

    @Test func firstRecordLingersThenSends() {
        var queue = PartitionQueue(batchMaxBytes: 100)
        #expect(queue.append(Self.record(10)) == .scheduleLinger)
        #expect(queue.append(Self.record(10)) == .none)
        #expect(queue.lingerExpired() == .sendNow)
        #expect(queue.takeBatch().count == 2)
        #expect(queue.inFlight)
    }

    @Test func fullBatchSendsWithoutLinger() {
        var queue = PartitionQueue(batchMaxBytes: 100)
        #expect(queue.append(Self.record(60)) == .scheduleLinger)
        #expect(queue.append(Self.record(60)) == .sendNow)
        #expect(queue.takeBatch().count == 1, "a batch stays under batchMaxBytes")
        #expect(queue.pendingBytes == 60)
    }

    @Test func oneBatchInFlightPerPartition() {
        var queue = PartitionQueue(batchMaxBytes: 100)
        _ = queue.append(Self.record(10))
        _ = queue.lingerExpired()
        _ = queue.takeBatch()
        #expect(queue.append(Self.record(200)) == .none, "busy: waits for the batch in flight")
        #expect(queue.lingerExpired() == .none)
        #expect(queue.batchFinished() == .sendNow)
        #expect(queue.takeBatch().count == 1, "an oversized record still goes, alone")
        #expect(queue.batchFinished() == .none)
    }

    @Test func flushSendsIdleQueue() {
        var queue = PartitionQueue(batchMaxBytes: 100)
        #expect(queue.flush() == .none)
        _ = queue.append(Self.record(10))
        #expect(queue.flush() == .sendNow)
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
