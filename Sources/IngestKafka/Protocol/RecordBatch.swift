import NIOCore

/// One record as it sits in a RecordBatch v2 (what the wire carries, minus the batch).
public struct KafkaRecord: Sendable, Equatable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    public var timestampMs: Int64

    public init(key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [], timestampMs: Int64) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }
}

public struct KafkaHeader: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// A record read back from a batch, with the offset the broker gave it.
public struct KafkaStoredRecord: Sendable, Equatable {
    public var offset: Int64
    public var record: KafkaRecord
}

/// Producer identity stamped on an idempotent batch.
struct ProducerStamp: Sendable, Equatable {
    var producerID: Int64
    var epoch: Int16
    var baseSequence: Int32

    static let none = ProducerStamp(producerID: -1, epoch: -1, baseSequence: -1)
}

/// RecordBatch v2 (magic 2), CreateTime timestamps; records compressed or not (`KafkaCompression`).
enum RecordBatch {
    /// Bytes of the batch header before the records (baseOffset through record count).
    static let headerSize = 61
    /// Offset of the attributes field: the CRC covers everything from here to the end.
    static let attributesOffset = 21
    static let crcOffset = 17

    /// Size of a zigzag varint/varlong.
    static func varintSize(_ value: Int64) -> Int {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var size = 1
        while raw >= 0x80 {
            raw >>= 7
            size += 1
        }
        return size
    }

    static func encode(_ records: [KafkaRecord], stamp: ProducerStamp = .none) -> ByteBuffer {
        precondition(!records.isEmpty, "a record batch holds at least one record")
        var block = RecordBlock(topic: "")
        for record in records {
            block.append(key: record.key, value: record.value, headers: record.headers.map { ($0.name, $0.value) },
                         timestampMs: record.timestampMs)
        }
        var builder = RecordBatchBuilder()
        block.withRecords(timestampMs: 0) { record in (0..<block.count).forEach { builder.append(record($0)) } }
        return builder.sealed(stamp: stamp)
    }

    /// Decodes every complete batch in a record set (as Fetch returns it). A partial batch at
    /// the end is normal in Fetch answers and is dropped; anything else malformed throws.
    static func decode(recordSet: ByteBuffer) throws -> [KafkaStoredRecord] {
        var reader = KafkaReader(recordSet)
        var result: [KafkaStoredRecord] = []
        while reader.remaining >= 12 {
            var peek = reader
            _ = try peek.int64()
            let length = try peek.int32("batch length")
            guard length >= headerSize - 12 else { throw KafkaProtocolError("batch length \(length) too small") }
            guard peek.remaining >= Int(length) else { break }
            let batch = try reader.slice(12 + Int(length), "record batch")
            result += try decodeBatch(batch)
        }
        return result
    }

    static func decodeBatch(_ batch: ByteBuffer) throws -> [KafkaStoredRecord] {
        var reader = KafkaReader(batch)
        let baseOffset = try reader.int64("base offset")
        _ = try reader.int32("batch length")
        _ = try reader.int32("partition leader epoch")
        let magic = try reader.int8("magic")
        guard magic == 2 else { throw KafkaProtocolError("record batch magic \(magic), only 2 is supported") }
        let crc = try reader.uint32("crc")
        let computed = batch.withUnsafeReadableBytes { raw in
            CRC32C.checksum(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[attributesOffset...]))
        }
        guard crc == computed else { throw KafkaProtocolError("record batch CRC mismatch") }
        let attributes = try reader.int16("attributes")
        guard let compression = KafkaCompression(attribute: attributes) else {
            throw KafkaProtocolError("record batch compressed with codec \(attributes & 0x07), which this client does not read")
        }
        _ = try reader.int32("last offset delta")
        let baseTimestamp = try reader.int64("base timestamp")
        _ = try reader.int64("max timestamp")
        _ = try reader.int64("producer id")
        _ = try reader.int16("producer epoch")
        _ = try reader.int32("base sequence")
        let isControl = attributes & 0x20 != 0
        let count = try reader.int32("record count")
        if compression != .none {
            let compressed = try reader.slice(reader.remaining, "compressed records")
            do {
                reader = KafkaReader(try compression.decompress(compressed))
            } catch {
                throw KafkaProtocolError("record batch: \(error)")
            }
        }
        guard count >= 0, Int(count) <= reader.remaining else {
            throw KafkaProtocolError("record count \(count) does not fit the batch")
        }
        var records: [KafkaStoredRecord] = []
        for _ in 0..<count {
            let length = try reader.varint("record length")
            var recordReader = KafkaReader(try reader.slice(Int(length), "record"))
            _ = try recordReader.int8("record attributes")
            let timestampDelta = try recordReader.varlong("timestamp delta")
            let offsetDelta = try recordReader.varint("offset delta")
            let key = try readBytesField(&recordReader, "key")
            let value = try readBytesField(&recordReader, "value")
            let headerCount = try recordReader.varint("header count")
            guard headerCount >= 0, Int(headerCount) <= recordReader.remaining else {
                throw KafkaProtocolError("header count \(headerCount) does not fit the record")
            }
            var headers: [KafkaHeader] = []
            for _ in 0..<headerCount {
                guard let nameBytes = try readBytesField(&recordReader, "header name"),
                    let name = String(validating: nameBytes, as: UTF8.self)
                else { throw KafkaProtocolError("header name is null or not UTF-8") }
                headers.append(KafkaHeader(name: name, value: try readBytesField(&recordReader, "header value")))
            }
            if isControl { continue }
            records.append(
                KafkaStoredRecord(
                    offset: baseOffset &+ Int64(offsetDelta),
                    record: KafkaRecord(
                        key: key, value: value, headers: headers, timestampMs: baseTimestamp &+ timestampDelta)
                )
            )
        }
        return records
    }

    private static func readBytesField(_ reader: inout KafkaReader, _ what: String) throws -> [UInt8]? {
        let length = try reader.varint("\(what) length")
        if length == -1 { return nil }
        return try reader.raw(Int(length), what)
    }
}
