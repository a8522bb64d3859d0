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
        var builder = RecordBatchBuilder()
        for record in records {
            builder.append(key: record.key, value: record.value, headerCount: record.headers.count, timestampMs: record.timestampMs) { visit in
                for header in record.headers { visit(header.name, header.value) }
            }
        }
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

/// Records encoded one by one into the record part of a RecordBatch v2 as they arrive, so a
/// batch waiting to go holds bytes rather than record values; `sealed` puts the batch header
/// (with the producer stamp and the CRC) in front when it goes.
struct RecordBatchBuilder: Sendable {
    /// The encoded records, without the batch header.
    private(set) var records: ByteBuffer
    private(set) var count: Int32 = 0
    private(set) var baseTimestamp: Int64 = 0
    private(set) var maxTimestamp: Int64 = 0

    init(capacity: Int = 16 * 1024) {
        records = ByteBuffer()
        records.reserveCapacity(capacity)
    }

    /// Bytes of the whole batch, header included.
    var byteCount: Int { RecordBatch.headerSize + records.readableBytes }

    /// The bytes a record adds to this batch. `headers` are visited for their sizes.
    func size(
        keyCount: Int?, valueCount: Int?, headerCount: Int, headerBytes: Int, timestampMs: Int64
    ) -> Int {
        let body = Self.bodySize(
            keyCount: keyCount, valueCount: valueCount, headerCount: headerCount, headerBytes: headerBytes,
            timestampDelta: count == 0 ? 0 : timestampMs &- baseTimestamp, offsetDelta: count)
        return RecordBatch.varintSize(Int64(body)) + body
    }

    /// `headerBytes`: the encoded size of all headers (name and value fields with their lengths).
    private static func bodySize(
        keyCount: Int?, valueCount: Int?, headerCount: Int, headerBytes: Int, timestampDelta: Int64, offsetDelta: Int32
    ) -> Int {
        1 + RecordBatch.varintSize(timestampDelta) + RecordBatch.varintSize(Int64(offsetDelta))
            + fieldSize(keyCount) + fieldSize(valueCount) + RecordBatch.varintSize(Int64(headerCount)) + headerBytes
    }

    @inline(__always)
    static func fieldSize(_ count: Int?) -> Int {
        guard let count else { return 1 }
        return RecordBatch.varintSize(Int64(count)) + count
    }

    /// Appends one record. `headers` calls its argument once per header, in order (so no
    /// array of headers needs to be built).
    mutating func append(
        key: [UInt8]?, value: [UInt8]?, headerCount: Int, timestampMs: Int64,
        headers: ((String, [UInt8]?) -> Void) -> Void = { _ in }
    ) {
        if count == 0 {
            baseTimestamp = timestampMs
            maxTimestamp = timestampMs
        } else if timestampMs > maxTimestamp {
            maxTimestamp = timestampMs
        }
        let timestampDelta = timestampMs &- baseTimestamp
        var headerBytes = 0
        if headerCount > 0 {
            headers { name, value in headerBytes += Self.fieldSize(name.utf8.count) + Self.fieldSize(value?.count) }
        }
        let body = Self.bodySize(
            keyCount: key?.count, valueCount: value?.count, headerCount: headerCount, headerBytes: headerBytes,
            timestampDelta: timestampDelta, offsetDelta: count)
        let total = RecordBatch.varintSize(Int64(body)) + body
        let offsetDelta = count
        records.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { raw in
            var out = RecordWriter(base: raw.baseAddress!)
            out.varlong(Int64(body))
            out.byte(0)  // attributes
            out.varlong(timestampDelta)
            out.varlong(Int64(offsetDelta))
            out.field(key)
            out.field(value)
            out.varlong(Int64(headerCount))
            return out.written
        }
        if headerCount > 0 {
            // Rare: headers go through ByteBuffer's own writers.
            headers { name, value in
                records.writeVarint(Int32(name.utf8.count))
                records.writeString(name)
                if let value {
                    records.writeVarint(Int32(value.count))
                    records.writeBytes(value)
                } else {
                    records.writeVarint(-1)
                }
            }
        }
        count += 1
    }

    /// The whole batch: header (with `stamp` and the CRC-32C) and records.
    func sealed(stamp: ProducerStamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(byteCount)
        buffer.writeImmutableBuffer(sealedHeader(stamp: stamp))
        buffer.writeImmutableBuffer(records)
        return buffer
    }

    /// The batch header, with `stamp` and the CRC-32C of the whole batch: sent with `records`
    /// right after it, so the records need not be copied into a batch buffer first.
    func sealedHeader(stamp: ProducerStamp) -> ByteBuffer {
        sealedHeader(stamp: stamp, records: records, compression: .none)
    }

    /// The same for records sent as `wire`: this batch's records, compressed with `compression`.
    func sealedHeader(stamp: ProducerStamp, records wire: ByteBuffer, compression: KafkaCompression) -> ByteBuffer {
        precondition(count > 0, "a record batch holds at least one record")
        var header = ByteBuffer()
        header.reserveCapacity(RecordBatch.headerSize)
        header.writeInteger(Int64(0))  // base offset: the broker assigns offsets
        header.writeInteger(Int32(RecordBatch.headerSize - 12 + wire.readableBytes))  // batch length after this field
        header.writeInteger(Int32(-1))  // partition leader epoch
        header.writeInteger(Int8(2))  // magic
        header.writeInteger(UInt32(0))  // crc, set below
        header.writeInteger(compression.attribute)  // attributes: the codec, CreateTime, not transactional
        header.writeInteger(count - 1)  // last offset delta
        header.writeInteger(baseTimestamp)
        header.writeInteger(maxTimestamp)
        header.writeInteger(stamp.producerID)
        header.writeInteger(stamp.epoch)
        header.writeInteger(stamp.baseSequence)
        header.writeInteger(count)
        let crc = CRC32C.checksum([header.getSlice(at: header.readerIndex + RecordBatch.attributesOffset, length: RecordBatch.headerSize - RecordBatch.attributesOffset)!, wire])
        header.setInteger(crc, at: header.readerIndex + RecordBatch.crcOffset)
        return header
    }
}

/// Writes varints and byte fields straight into memory reserved for exactly them.
private struct RecordWriter {
    let base: UnsafeMutableRawPointer
    var written = 0

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: written, as: UInt8.self)
        written += 1
    }

    /// Zigzag varlong (a varint is the same for values that fit 32 bits).
    @inline(__always)
    mutating func varlong(_ value: Int64) {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while raw >= 0x80 {
            byte(UInt8(truncatingIfNeeded: raw) | 0x80)
            raw >>= 7
        }
        byte(UInt8(raw))
    }

    @inline(__always)
    mutating func field(_ bytes: [UInt8]?) {
        guard let bytes else {
            varlong(-1)
            return
        }
        varlong(Int64(bytes.count))
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress, source.count > 0 {
                (base + written).copyMemory(from: address, byteCount: source.count)
            }
        }
        written += bytes.count
    }
}
