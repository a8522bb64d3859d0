import Foundation
import IngestSandbox
import NIOCore
import Testing
import TestSupport

@testable import IngestKafka

/// Compressed record batches: each codec round-trips, frames its data the way Kafka's
/// readers expect, and is read back identical by librdkafka (kcat) and through tansu.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CompressionTests {
    static let codecs: [KafkaCompression] = [.gzip, .lz4, .zstd]

    static func records(_ topic: String, count: Int, tag: String) -> [ProducerRecord] {
        (0..<count).map { (i: Int) -> ProducerRecord in
            let pad = String(repeating: "x", count: i % 70)
            let value = "{\"playerId\":\"\(i % 50)\",\"seq\":\(i),\"tag\":\"\(tag)\",\"pad\":\"\(pad)\"}"
            let key: [UInt8]? = i % 4 == 0 ? Array("k\(i % 5)".utf8) : nil
            let headers: [(name: String, value: [UInt8]?)] = i % 9 == 0 ? [("trace", Array("t-\(i)".utf8))] : []
            return ProducerRecord(topic: topic, key: key, value: Array(value.utf8), headers: headers, timestamp: 1_700_000_000_000 + Int64(i))
        }
    }

    @Test(arguments: codecs) func batchRoundTripsAndShrinks(codec: KafkaCompression) throws {
        let records = Self.records("t", count: 500, tag: codec.rawValue)
        var builder = RecordBatchBuilder()
        for record in records {
            record.encoded(timestampMs: 0) { builder.append($0) }
        }
        let compressed = try codec.compress(builder.records)
        #expect(compressed.readableBytes < builder.records.readableBytes / 3, "repetitive JSON compresses well")
        var batch = builder.sealedHeader(stamp: .init(producerID: 3, epoch: 1, baseSequence: 9), records: compressed, compression: codec)
        batch.writeImmutableBuffer(compressed)
        let decoded = try RecordBatch.decodeBatch(batch)
        #expect(decoded.count == records.count)
        for (stored, record) in zip(decoded, records) {
            #expect(stored.record.value == record.value && stored.record.key == record.key)
            #expect(stored.record.timestampMs == record.timestamp)
            #expect(stored.record.headers.map(\.name) == record.headers.map(\.name))
        }
        // A flipped byte in the compressed records fails the CRC, not the decompressor.
        var corrupt = batch
        corrupt.setInteger(UInt8(0x5A) ^ corrupt.getInteger(at: batch.readableBytes - 3, as: UInt8.self)!, at: batch.readableBytes - 3)
        #expect(throws: KafkaProtocolError.self) { try RecordBatch.decodeBatch(corrupt) }
    }

    /// The LZ4 frame as Kafka's readers take it: LZ4 magic, FLG 0x60 (version 1, independent
    /// blocks, no checksums), BD 0x40 (64 KiB blocks), as the Java client and librdkafka write.
    @Test func lz4UsesKafkasFrameLayout() throws {
        let frame = try KafkaCompression.lz4.compress(ByteBuffer(bytes: Array(repeating: UInt8(7), count: 200_000)))
        #expect(Array(frame.readableBytesView.prefix(6)) == [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40])
        let gzip = try KafkaCompression.gzip.compress(ByteBuffer(bytes: [1, 2, 3]))
        #expect(Array(gzip.readableBytesView.prefix(2)) == [0x1F, 0x8B], "a gzip member, not a bare zlib stream")
        let zstd = try KafkaCompression.zstd.compress(ByteBuffer(bytes: [1, 2, 3]))
        #expect(Array(zstd.readableBytesView.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
    }

    @Test func garbageNeverCrashesTheDecoders() {
        var generator = SeededRandom(seed: 11)
        for codec in Self.codecs {
            for length in [0, 1, 5, 17, 300] {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = try? codec.decompress(ByteBuffer(bytes: bytes))
            }
        }
    }

    /// Through the mock cluster, read back by librdkafka: every record, identical and in order
    /// per partition.
    @Test(arguments: codecs) func kcatReadsBackEveryCodec(codec: KafkaCompression) async throws {
        let cluster = try MockCluster(brokers: 2)
        try cluster.createTopic("packed", partitions: 3)
        var configuration = MockClusterProducerTests.configuration(cluster)
        configuration.compression = codec
        let producer = try await KafkaProducer.connect(configuration)
        let records = Self.records("packed", count: 3000, tag: codec.rawValue)
        let outcomes = OutcomeCollector(count: records.count)
        try await producer.produce(records.async) { outcomes.set($0, $1) }
        await producer.close()
        var offsets: [String: (Int32, Int64)] = [:]
        for (index, outcome) in outcomes.all().enumerated() {
            guard case .delivered(let partition, let offset, _) = outcome else {
                Issue.record("record \(index): \(String(describing: outcome))")
                continue
            }
            offsets[String(decoding: records[index].value!, as: UTF8.self)] = (partition, offset)
        }
        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "packed")
        #expect(stored.count == records.count)
        let sent = Set(records.map { String(decoding: $0.value!, as: UTF8.self) })
        #expect(Set(stored.compactMap(\.payload)) == sent)
        for message in stored {
            guard let payload = message.payload, let (partition, offset) = offsets[payload] else { continue }
            #expect(message.partition == partition && message.offset == offset)
        }
    }

    /// Through tansu (a Kafka broker of its own), read back with our Fetch.
    @Test(arguments: codecs) func tansuStoresAndServesEveryCodec(codec: KafkaCompression) async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("packed", partitions: 1)
        var configuration = TansuProducerTests.configuration(broker)
        configuration.compression = codec
        let producer = try await KafkaProducer.connect(configuration)
        let records = Self.records("packed", count: 400, tag: codec.rawValue)
        let outcomes = OutcomeCollector(count: records.count)
        try await producer.produce(records.async) { outcomes.set($0, $1) }
        await producer.close()
        #expect(outcomes.all().allSatisfy { if case .delivered = $0 { true } else { false } })
        let stored = try await TestConsumer.readAll(bootstrap: broker.bootstrap, topic: "packed", partition: 0)
        #expect(stored.map(\.record.value) == records.map(\.value), "identical, in order")
        #expect(stored.map(\.record.key) == records.map(\.key))
        #expect(stored.map(\.record.timestampMs) == records.map(\.timestamp!))
    }
}
