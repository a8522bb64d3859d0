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
        guard let value else {
            return append(key: key, value: nil as UnsafeRawBufferPointer?, headers: headers, partition: partition, timestampMs: timestampMs)
        }
        value.withUnsafeBytes { append(key: key, value: $0, headers: headers, partition: partition, timestampMs: timestampMs) }
    }

    /// Appends a record that is only a value (no key, headers, partition or timestamp).
    public mutating func append(value: UnsafeRawBufferPointer) {
        append(key: nil, value: value, headers: [], partition: nil, timestampMs: nil)
    }

    private mutating func append(
        key: [UInt8]?, value: UnsafeRawBufferPointer?, headers: [(name: String, value: [UInt8]?)], partition: Int32?, timestampMs: Int64?
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

    /// Appends `record` (its topic is the block's).
    public mutating func append(_ record: ProducerRecord) {
        append(key: record.key, value: record.value, headers: record.headers, partition: record.partition, timestampMs: record.timestamp)
    }

    /// Empties the block, keeping its memory for the next records.
    public mutating func removeAll() {
        bytes.clear()
        entries.removeAll(keepingCapacity: true)
    }


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
