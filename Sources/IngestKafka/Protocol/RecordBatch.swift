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

/// RecordBatch v2 (magic 2), uncompressed, CreateTime timestamps.
enum RecordBatch {
    /// Bytes of the batch header before the records (baseOffset through record count).
    static let headerSize = 61
    /// Offset of the attributes field: the CRC covers everything from here to the end.
    static let attributesOffset = 21
    static let crcOffset = 17

    /// The exact size `record` takes inside a batch whose base timestamp is `baseTimestamp`
    /// and where it has index `offsetDelta`, including its own length prefix.
    static func encodedSize(of record: KafkaRecord, offsetDelta: Int32, baseTimestamp: Int64) -> Int {
        let body = bodySize(of: record, offsetDelta: offsetDelta, baseTimestamp: baseTimestamp)
        return varintSize(Int64(body)) + body
    }

    private static func bodySize(of record: KafkaRecord, offsetDelta: Int32, baseTimestamp: Int64) -> Int {
        var size = 1  // attributes
        size += varintSize(record.timestampMs &- baseTimestamp)
        size += varintSize(Int64(offsetDelta))
        size += bytesFieldSize(record.key)
        size += bytesFieldSize(record.value)
        size += varintSize(Int64(record.headers.count))
        for header in record.headers {
            size += bytesFieldSize(Array(header.name.utf8))
            size += bytesFieldSize(header.value)
        }
        return size
    }

    private static func bytesFieldSize(_ bytes: [UInt8]?) -> Int {
        guard let bytes else { return 1 }
        return varintSize(Int64(bytes.count)) + bytes.count
    }

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
        let baseTimestamp = records[0].timestampMs
        var maxTimestamp = baseTimestamp
        var recordsSize = 0
        for (index, record) in records.enumerated() {
            maxTimestamp = max(maxTimestamp, record.timestampMs)
            recordsSize += encodedSize(of: record, offsetDelta: Int32(index), baseTimestamp: baseTimestamp)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerSize + recordsSize)
        buffer.writeInteger(Int64(0))  // base offset: the broker assigns offsets
        buffer.writeInteger(Int32(headerSize - 12 + recordsSize))  // batch length after this field
        buffer.writeInteger(Int32(-1))  // partition leader epoch
        buffer.writeInteger(Int8(2))  // magic
        buffer.writeInteger(UInt32(0))  // crc, set below
        buffer.writeInteger(Int16(0))  // attributes: no compression, CreateTime, not transactional
        buffer.writeInteger(Int32(records.count - 1))  // last offset delta
        buffer.writeInteger(baseTimestamp)
        buffer.writeInteger(maxTimestamp)
        buffer.writeInteger(stamp.producerID)
        buffer.writeInteger(stamp.epoch)
        buffer.writeInteger(stamp.baseSequence)
        buffer.writeInteger(Int32(records.count))
        for (index, record) in records.enumerated() {
            let body = bodySize(of: record, offsetDelta: Int32(index), baseTimestamp: baseTimestamp)
            buffer.writeVarint(Int32(body))
            buffer.writeInteger(Int8(0))
            buffer.writeVarlong(record.timestampMs &- baseTimestamp)
            buffer.writeVarint(Int32(index))
            writeBytesField(record.key, into: &buffer)
            writeBytesField(record.value, into: &buffer)
            buffer.writeVarint(Int32(record.headers.count))
            for header in record.headers {
                writeBytesField(Array(header.name.utf8), into: &buffer)
                writeBytesField(header.value, into: &buffer)
            }
        }
        let crc = buffer.withUnsafeReadableBytes { raw in
            CRC32C.checksum(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[attributesOffset...]))
        }
        buffer.setInteger(crc, at: buffer.readerIndex + crcOffset)
        return buffer
    }

    private static func writeBytesField(_ bytes: [UInt8]?, into buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeVarint(-1)
            return
        }
        buffer.writeVarint(Int32(bytes.count))
        buffer.writeBytes(bytes)
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
        guard attributes & 0x07 == 0 else {
            throw KafkaProtocolError("compressed record batches (codec \(attributes & 0x07)) are not supported")
        }
        _ = try reader.int32("last offset delta")
        let baseTimestamp = try reader.int64("base timestamp")
        _ = try reader.int64("max timestamp")
        _ = try reader.int64("producer id")
        _ = try reader.int16("producer epoch")
        _ = try reader.int32("base sequence")
        let isControl = attributes & 0x20 != 0
        let count = try reader.int32("record count")
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
