import Logging
import NIOCore
import NIOPosix

@testable import IngestKafka

/// Fetch v4, only as the tests need it: read a partition from offset 0 up to its high watermark.
struct FetchRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.fetch
    var version: Int16 = 4
    var topic: String
    var partition: Int32
    var offset: Int64

    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(-1))  // replica id: a consumer
        buffer.writeInteger(Int32(100))  // max wait
        buffer.writeInteger(Int32(1))  // min bytes
        buffer.writeInteger(Int32(16 * 1024 * 1024))  // max bytes
        buffer.writeInteger(Int8(0))  // read uncommitted
        buffer.writeInteger(Int32(1))
        buffer.writeKafkaString(topic, flexible: false)
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(partition)
        buffer.writeInteger(offset)
        buffer.writeInteger(Int32(8 * 1024 * 1024))
    }
}

struct FetchResponse: KafkaResponse {
    var errorCode: Int16 = 0
    var highWatermark: Int64 = 0
    var records: [KafkaStoredRecord] = []

    init(from reader: inout KafkaReader, version: Int16) throws {
        _ = try reader.int32("throttle")
        let topics = try reader.arrayCount(flexible: false, "topics") ?? 0
        for _ in 0..<topics {
            _ = try reader.string("topic")
            let partitions = try reader.arrayCount(flexible: false, "partitions") ?? 0
            for _ in 0..<partitions {
                _ = try reader.int32("partition")
                errorCode = try reader.int16("error")
                highWatermark = try reader.int64("high watermark")
                _ = try reader.int64("last stable offset")
                _ = try reader.array(flexible: false, minElementSize: 16, "aborted") { r in
                    _ = try r.int64()
                    _ = try r.int64()
                }
                let length = try reader.int32("records length")
                if length > 0 {
                    records += try RecordBatch.decode(recordSet: try reader.slice(Int(length), "records"))
                }
            }
        }
    }
}

enum TestConsumer {
    /// Every record of one partition, in offset order (single-broker clusters only).
    static func readAll(bootstrap: String, topic: String, partition: Int32) async throws -> [KafkaStoredRecord] {
        let (host, port) = try KafkaProducer.parse(bootstrap)
        let connection = try await KafkaConnection.connect(
            host: host, port: port, configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]),
            sslContext: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test-consumer"))
        defer { connection.close() }
        var records: [KafkaStoredRecord] = []
        var offset: Int64 = 0
        for _ in 0..<1000 {
            let response = try await connection.send(
                FetchRequest(topic: topic, partition: partition, offset: offset), as: FetchResponse.self)
            guard response.errorCode == 0 else {
                throw TestPeerError("fetch \(topic)-\(partition) failed: \(KafkaErrorCode.name(of: response.errorCode))")
            }
            let fresh = response.records.filter { $0.offset >= offset }
            records += fresh
            if let last = fresh.last { offset = last.offset + 1 }
            if offset >= response.highWatermark { break }
        }
        return records
    }
}
