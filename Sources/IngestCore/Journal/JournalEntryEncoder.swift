/// Writes record entries (see `JournalFormat`), the journal's hot path: each entry's fixed
/// part is written with a raw pointer into a small stack buffer and appended in one copy;
/// only a server's message or a kept value goes through the escaping string writer.
enum JournalEntryEncoder {
    /// Appends one record's entry. True when it holds text from elsewhere (a server's message,
    /// a value), which must pass the secret scrubber before it is written.
    @inline(__always)
    static func append(_ report: DeliveryReport, pending: PendingRecord?, elapsed: Int64, to out: inout [UInt8]) -> Bool {
        switch report.outcome {
        case .delivered(let partition, let offset, _):
            return appendDelivered(seq: report.seq, partition: partition, offset: offset, pending: pending, elapsed: elapsed, to: &out)
        case .failed(let code, let message):
            return entry(seq: report.seq, elapsed: elapsed, pending: pending, to: &out) { cursor, out in
                cursor.put(",\"o\":\"f\",\"code\":")
                cursor.put(decimal: Int64(code))
                cursor.put(",\"msg\":")
                cursor.flush(to: &out)
                RecordEncoding.appendString(message, to: &out)
                return true
            }
        case .unknown(let message):
            return entry(seq: report.seq, elapsed: elapsed, pending: pending, to: &out) { cursor, out in
                cursor.put(",\"o\":\"u\",\"msg\":")
                cursor.flush(to: &out)
                RecordEncoding.appendString(message, to: &out)
                return true
            }
        }
    }

    /// The entry of a delivered record, from its parts (a delivered range has no reports).
    @inline(__always)
    static func appendDelivered(seq: Int, partition: Int, offset: Int64, pending: PendingRecord?, elapsed: Int64,
                                to out: inout [UInt8]) -> Bool {
        entry(seq: seq, elapsed: elapsed, pending: pending, to: &out) { cursor, _ in
            cursor.put(",\"o\":\"d\",\"p\":")
            cursor.put(decimal: Int64(partition))
            cursor.put(",\"off\":")
            cursor.put(decimal: offset)
            return false
        }
    }

    /// One entry: seq and time, the outcome's fields (`outcome` puts them, true when they hold
    /// text from elsewhere), the record's size and digest, and the line's end.
    @inline(__always)
    private static func entry(seq: Int, elapsed: Int64, pending: PendingRecord?, to out: inout [UInt8],
                              outcome: (inout ByteCursor, inout [UInt8]) -> Bool) -> Bool {
        // Longest fixed run between two flushes: about 170 bytes (six 20-digit numbers, keys, digest).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 192) { buffer in
            var cursor = ByteCursor(start: buffer.baseAddress!)
            cursor.put("{\"s\":")
            cursor.put(decimal: Int64(seq))
            cursor.put(",\"t\":")
            cursor.put(decimal: elapsed)
            var freeText = outcome(&cursor, &out)
            if let pending, cursor.put(pending, out: &out) { freeText = true }
            cursor.put("}\n")
            cursor.flush(to: &out)
            return freeText
        }
    }

    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
}

extension ByteCursor {
    /// A record's size and digest (and kept value, flushed through the escaping writer);
    /// true when a value was written.
    @inline(__always)
    mutating func put(_ pending: PendingRecord, out: inout [UInt8]) -> Bool {
        put(",\"n\":")
        put(decimal: Int64(pending.size))
        put(",\"h\":\"")
        put(digest: pending.digest)
        put("\"")
        guard let value = pending.value else { return false }
        put(",\"r\":")
        flush(to: &out)
        // As a string, escaped: a JSON value may hold raw newlines, which end a line here.
        RecordEncoding.appendString(String(decoding: value, as: UTF8.self), to: &out)
        return true
    }

    /// `RecordDigest.text`, written in place.
    @inline(__always)
    mutating func put(digest: RecordDigest) {
        let letters = JournalEntryEncoder.alphabet.utf8Start
        func sextets(_ word: UInt64, _ count: Int, _ shift: Int) {
            for index in 0..<count { at[index] = letters[Int(truncatingIfNeeded: word >> UInt64(shift - 6 * index)) & 63] }
            at += count
        }
        // 128 bits = 21 sextets and 2 bits: the first 10 sextets come from `high`, the 11th
        // straddles both words, the last 10 and the final 2 bits (padded with zeros) from `low`.
        sextets(digest.high, 10, 58)
        at.pointee = letters[Int(truncatingIfNeeded: (digest.high & 0xF) << 2 | digest.low >> 62)]
        at += 1
        sextets(digest.low, 10, 56)
        at.pointee = letters[Int(truncatingIfNeeded: digest.low & 0x3) << 4]
        at += 1
    }
}
