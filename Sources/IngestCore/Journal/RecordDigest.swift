import Crypto

/// What identifies a record in the journal: SHA-256 over the record itself (key, value and
/// header bytes as they land in Kafka, plus a set partition or timestamp), each field framed
/// by its length so that no two records share an input. Kept to its first 128 bits, written
/// as 22 base64url characters: ample to tell a changed file from the one a run read, at a
/// quarter of a hex SHA-256's bytes per journal entry. Computed without encoding a REST body.
public struct RecordDigest: Sendable, Hashable {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(_ record: EventRecord) {
        var hasher = SHA256()
        // Two words say which optional parts follow and how long they are (no padding bytes:
        // a tuple of mixed widths would hash whatever its padding holds).
        var flags: UInt64 = 0
        if record.key != nil { flags |= 1 }
        if record.value != nil { flags |= 2 }
        if record.partition != nil { flags |= 4 }
        if record.timestamp != nil { flags |= 8 }
        var prefix: (UInt64, UInt64) = (
            (1 | flags << 8 | UInt64(truncatingIfNeeded: record.headers.count) << 16).littleEndian,
            (UInt64(truncatingIfNeeded: record.key?.data.count ?? 0) | UInt64(truncatingIfNeeded: record.value?.data.count ?? 0) << 32).littleEndian)
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        if let key = record.key { key.data.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
        if let value = record.value { value.data.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
        for header in record.headers {
            var lengths = (UInt64(truncatingIfNeeded: header.name.utf8.count) | UInt64(header.value.map { UInt32(truncatingIfNeeded: $0.count) } ?? .max) << 32).littleEndian
            withUnsafeBytes(of: &lengths) { hasher.update(bufferPointer: $0) }
            var name = header.name
            name.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            if let value = header.value { value.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
        }
        if let partition = record.partition {
            var value = Int64(partition).littleEndian
            withUnsafeBytes(of: &value) { hasher.update(bufferPointer: $0) }
        }
        if var timestamp = record.timestamp { timestamp.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) } }
        var high: UInt64 = 0
        var low: UInt64 = 0
        hasher.finalize().withUnsafeBytes { bytes in
            for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        }
        self.high = high
        self.low = low
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
