import NIOCore

/// Records encoded one by one into the record part of a RecordBatch v2 as they arrive, so a
/// batch waiting to go holds bytes rather than record values; `sealed` puts the batch header
/// (with the producer stamp and the CRC) in front when it goes. A record comes already laid
/// out (`EncodedRecord`, from a `RecordBlock`): appending it writes four varints and copies
/// its fields, with no reference counted along the way.
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

    /// The bytes `record` would add to this batch.
    func size(of record: EncodedRecord) -> Int {
        let body = Self.bodySize(fields: record.fields.count, timestampDelta: count == 0 ? 0 : record.timestampMs &- baseTimestamp,
                                 offsetDelta: count)
        return RecordBatch.varintSize(Int64(body)) + body
    }

    private static func bodySize(fields: Int, timestampDelta: Int64, offsetDelta: Int32) -> Int {
        1 + RecordBatch.varintSize(timestampDelta) + RecordBatch.varintSize(Int64(offsetDelta)) + fields
    }

    /// Appends one record: its length, attributes, timestamp and offset deltas, then its fields.
    mutating func append(_ record: EncodedRecord) {
        let timestampMs = record.timestampMs
        if count == 0 {
            baseTimestamp = timestampMs
            maxTimestamp = timestampMs
        } else if timestampMs > maxTimestamp {
            maxTimestamp = timestampMs
        }
        let timestampDelta = timestampMs &- baseTimestamp
        let body = Self.bodySize(fields: record.fields.count, timestampDelta: timestampDelta, offsetDelta: count)
        let offsetDelta = count
        records.writeWithUnsafeMutableBytes(minimumWritableBytes: RecordBatch.varintSize(Int64(body)) + body) { raw in
            var out = RecordWriter(base: raw.baseAddress!)
            out.varlong(Int64(body))
            out.byte(0)  // attributes
            out.varlong(timestampDelta)
            out.varlong(Int64(offsetDelta))
            out.bytes(record.fields)
            return out.written
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
struct RecordWriter {
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
    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        if let address = source.baseAddress, source.count > 0 {
            (base + written).copyMemory(from: address, byteCount: source.count)
        }
        written += source.count
    }

    /// A length-prefixed byte field; nil is written as length -1.
    @inline(__always)
    mutating func field(_ value: UnsafeRawBufferPointer?) {
        guard let value else {
            varlong(-1)
            return
        }
        varlong(Int64(value.count))
        bytes(value)
    }

    @inline(__always)
    mutating func field(_ value: [UInt8]?) {
        guard let value else { return field(nil as UnsafeRawBufferPointer?) }
        value.withUnsafeBytes { field($0) }
    }

    /// The bytes a field of `count` bytes takes (nil: a null field).
    @inline(__always)
    static func fieldSize(_ count: Int?) -> Int {
        guard let count else { return 1 }
        return RecordBatch.varintSize(Int64(count)) + count
    }
}
