import Crypto

/// What identifies a record in the journal: SipHash-2-4 with 128-bit output, under a fixed
/// key, over the record itself (key, value and header bytes as they land in Kafka, plus a set
/// partition or timestamp), each field framed by its length so that no two records share an
/// input. Written as 22 base64url characters. It tells a changed file from the one a run read
/// and names a record; it is not a signature. SHA-256 through swift-crypto cost about four
/// times as much per record (ingest-journal-bench), and a REST body is never encoded for it.
public struct RecordDigest: Sendable, Hashable {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The journal's key ("ingest journal 2", little-endian words), fixed so digests compare across runs.
    static let key = (UInt64(0x6A20_7473_6567_6E69), UInt64(0x3220_6C61_6E72_756F))

    public init(_ record: EventRecord) {
        self = Self.withBytes(record.key?.data) { key in
            Self.withBytes(record.value?.data) { value in
                RecordDigest(key: key, value: value, headers: record.headers, partition: record.partition, timestamp: record.timestamp)
            }
        }
    }

    /// The digest of a record that is only a value: the same as of `EventRecord(value:)`
    /// with these bytes (the value's type is not part of it), without building the record.
    public init(value: UnsafeRawBufferPointer) {
        self.init(key: nil, value: value, headers: [], partition: nil, timestamp: nil)
    }

    private init(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [RecordHeader], partition: Int?, timestamp: String?) {
        var hasher = SipHash128(key: Self.key)
        // Two words say which optional parts follow and how long they are.
        var flags: UInt64 = 0
        if key != nil { flags |= 1 }
        if value != nil { flags |= 2 }
        if partition != nil { flags |= 4 }
        if timestamp != nil { flags |= 8 }
        hasher.update(word: 1 | flags << 8 | UInt64(truncatingIfNeeded: headers.count) << 16)
        hasher.update(word: UInt64(truncatingIfNeeded: key?.count ?? 0) | UInt64(truncatingIfNeeded: value?.count ?? 0) << 32)
        if let key { hasher.update(key) }
        if let value { hasher.update(value) }
        for header in headers {
            hasher.update(word: UInt64(truncatingIfNeeded: header.name.utf8.count) | UInt64(header.value.map { UInt32(truncatingIfNeeded: $0.count) } ?? .max) << 32)
            var name = header.name
            name.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
            if let value = header.value { value.withUnsafeBytes { hasher.update($0) } }
        }
        if let partition { hasher.update(word: UInt64(bitPattern: Int64(partition))) }
        if var timestamp { timestamp.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) } }
        let (first, second) = hasher.finalize()
        // Bytes in the order SipHash outputs them (each word little-endian), read as two big-endian words.
        self.init(high: first.byteSwapped, low: second.byteSwapped)
    }

    private static func withBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBytes { body($0) }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Byte `index` (0...15) of the digest.
    private func byte(_ index: Int) -> UInt32 {
        let word = index < 8 ? high : low
        return UInt32(truncatingIfNeeded: word >> UInt64(56 - 8 * (index & 7))) & 0xFF
    }

    /// 22 base64url characters, no padding: five groups of three bytes, then the last byte.
    public func append(to out: inout [UInt8]) {
        for group in 0..<5 {
            let bits = byte(3 * group) << 16 | byte(3 * group + 1) << 8 | byte(3 * group + 2)
            out.append(Self.alphabet[Int(bits >> 18)])
            out.append(Self.alphabet[Int(bits >> 12 & 63)])
            out.append(Self.alphabet[Int(bits >> 6 & 63)])
            out.append(Self.alphabet[Int(bits & 63)])
        }
        let last = byte(15)
        out.append(Self.alphabet[Int(last >> 2)])
        out.append(Self.alphabet[Int((last & 3) << 4)])
    }

    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(22)
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public init?(text: String) {
        let sextets = text.utf8.map { Self.alphabet.firstIndex(of: $0).map(UInt64.init) }
        guard sextets.count == 22, sextets.allSatisfy({ $0 != nil }) else { return nil }
        // 22 x 6 = 132 bits: the 128 of the digest, then 4 zero bits.
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (position, sextet) in sextets.enumerated() {
            for bit in 0..<6 {
                let index = position * 6 + bit
                guard (sextet! >> UInt64(5 - bit)) & 1 == 1 else { continue }
                guard index < 128 else { return nil }
                if index < 64 { high |= 1 << UInt64(63 - index) } else { low |= 1 << UInt64(127 - index) }
            }
        }
        self.init(high: high, low: low)
    }
}

/// The first journal format's digest: `sha256:<hex>` of the record's REST produce request.
/// Kept so that runs imported from an old `journal.jsonl` can still be replayed from their file.
public enum LegacyRecordDigest {
    public static func text(_ record: EventRecord) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("sha256:".utf8)
        for byte in SHA256.hash(data: RecordEncoding.produceRequest(record)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
