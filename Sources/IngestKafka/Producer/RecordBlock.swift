import NIOCore

/// Records of one topic laid out as a record batch holds them (key, value and header fields,
/// each with its length), many in one buffer, with what the producer needs to place each:
/// an explicit partition, the key's hash, a timestamp. A reader fills a block on its own
/// thread; the producer copies each record's bytes into its partition's batch. Nothing is
/// allocated or reference counted per record on the way, which is most of what passing
/// `ProducerRecord` values between threads costs.
public struct RecordBlock: Sendable {
    struct Entry: Sendable {
        /// Where the record's fields end in `bytes` (they start where the previous record's end).
        var end: Int
        var partition: Int32?
        /// `Partitioner.keyHash` of the key, when there is one.
        var keyHash: Int32?
        /// Milliseconds since the epoch; nil means when it is appended.
        var timestampMs: Int64?
    }

    public var topic: String
    private var bytes: ByteBuffer
    private var entries: [Entry] = []

    /// `capacity`: records the block is expected to hold (room for about 128 bytes each).
    public init(topic: String, capacity: Int = 0) {
        self.topic = topic
        bytes = ByteBuffer()
        if capacity > 0 {
            bytes.reserveCapacity(capacity * 128)
            entries.reserveCapacity(capacity)
        }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Appends a record: its fields as a batch carries them.
    public mutating func append(
        key: [UInt8]?, value: [UInt8]?, headers: [(name: String, value: [UInt8]?)] = [], partition: Int32? = nil, timestampMs: Int64? = nil
    ) {
        var size = RecordWriter.fieldSize(key?.count) + RecordWriter.fieldSize(value?.count) + RecordBatch.varintSize(Int64(headers.count))
        for header in headers { size += RecordWriter.fieldSize(header.name.utf8.count) + RecordWriter.fieldSize(header.value?.count) }
        bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = RecordWriter(base: raw.baseAddress!)
            out.field(key)
            out.field(value)
            out.varlong(Int64(headers.count))
            for header in headers {
                var name = header.name
                name.withUTF8 { name in
                    out.varlong(Int64(name.count))
                    out.bytes(UnsafeRawBufferPointer(name))
                }
                out.field(header.value)
            }
            return out.written
        }
        entries.append(Entry(end: bytes.writerIndex, partition: partition, keyHash: key.map(Partitioner.keyHash), timestampMs: timestampMs))
    }

    /// Appends a record that is only a value (no key, headers, partition or timestamp).
    public mutating func append(value: UnsafeRawBufferPointer) {
        bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 + RecordWriter.fieldSize(value.count)) { raw in
            var out = RecordWriter(base: raw.baseAddress!)
            out.varlong(-1)  // no key
            out.varlong(Int64(value.count))
            out.bytes(value)
            out.varlong(0)  // no headers
            return out.written
        }
        entries.append(Entry(end: bytes.writerIndex, partition: nil, keyHash: nil, timestampMs: nil))
    }

    /// Appends `record` (its topic is the block's).
    public mutating func append(_ record: ProducerRecord) {
        append(key: record.key, value: record.value, headers: record.headers, partition: record.partition, timestampMs: record.timestamp)
    }

    /// Empties the block, keeping its memory for the next records.
    public mutating func removeAll() {
        bytes.clear()
        entries.removeAll(keepingCapacity: true)
    }

    /// The record's own timestamp, if it has one.
    @usableFromInline
    func timestampMs(at index: Int) -> Int64? {
        entries[index].timestampMs
    }

    /// Record `index` as the producer appends it, valid inside `body` only; `timestampMs` is
    /// its timestamp unless it has its own.
    @inline(__always)
    func withRecord<Result>(at index: Int, timestampMs: Int64, _ body: (EncodedRecord) -> Result) -> Result {
        let start = index == 0 ? 0 : entries[index - 1].end
        let entry = entries[index]
        return bytes.withUnsafeReadableBytes { raw in
            body(EncodedRecord(fields: UnsafeRawBufferPointer(rebasing: raw[start..<entry.end]), partition: entry.partition,
                               keyHash: entry.keyHash, timestampMs: entry.timestampMs ?? timestampMs))
        }
    }
}

extension RecordBlock {
    /// `body` gets the block's records by position, valid only inside it (one access to the
    /// bytes for many records); `timestampMs` stamps those without their own.
    @inline(__always)
    func withRecords<Result>(timestampMs: Int64, _ body: ((Int) -> EncodedRecord) -> Result) -> Result {
        bytes.withUnsafeReadableBytes { raw in
            body { index in
                let start = index == 0 ? 0 : entries[index - 1].end
                let entry = entries[index]
                return EncodedRecord(fields: UnsafeRawBufferPointer(rebasing: raw[start..<entry.end]), partition: entry.partition,
                                     keyHash: entry.keyHash, timestampMs: entry.timestampMs ?? timestampMs)
            }
        }
    }
}

/// One record of a `RecordBlock`, borrowed: its fields' bytes and where it goes.
struct EncodedRecord {
    let fields: UnsafeRawBufferPointer
    let partition: Int32?
    let keyHash: Int32?
    let timestampMs: Int64
}

/// Records one at a time as blocks of one, the same block refilled each time (it is not
/// copied: the producer lets go of a block before asking for the next).
@usableFromInline
struct OneRecordBlocks<Records: AsyncSequence>: AsyncSequence where Records.Element == ProducerRecord {
    @usableFromInline typealias Element = RecordBlock
    @usableFromInline let records: Records

    @inlinable
    init(_ records: Records) {
        self.records = records
    }

    @usableFromInline
    struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var records: Records.AsyncIterator
        @usableFromInline var block = RecordBlock(topic: "")

        @inlinable
        init(records: Records.AsyncIterator) {
            self.records = records
        }

        @inlinable
        mutating func next() async throws -> RecordBlock? {
            guard let record = try await records.next() else { return nil }
            block.removeAll()
            if block.topic != record.topic { block.topic = record.topic }
            block.append(record)
            return block
        }
    }

    @inlinable
    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(records: records.makeAsyncIterator())
    }
}
