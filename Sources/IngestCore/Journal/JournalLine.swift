import Foundation

/// One journal line read back: a flat JSON object whose values are strings, numbers, booleans,
/// null, or nested JSON kept as raw bytes. Anything else (a torn line, a fragment glued to a
/// line, a foreign line) fails to parse and is skipped by the reader: the journal is written
/// by this program only, so a small exact parser beats a general decoder per line.
struct JournalLine {
    /// The line as read (without its newline).
    let bytes: ArraySlice<UInt8>
    /// Key and value positions, counted from the start of `bytes`.
    private var fields: [(key: Range<Int>, value: Range<Int>)] = []

    init?(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        // Scanned through a pointer: a listing reads tens of thousands of lines.
        guard let fields = bytes.withUnsafeBufferPointer({ Self.scan($0) }) else { return nil }
        self.fields = fields
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [(key: Range<Int>, value: Range<Int>)]? {
        var fields: [(key: Range<Int>, value: Range<Int>)] = []
        fields.reserveCapacity(16)
        var at = 0
        let end = bytes.count
        func skipSpace() { while at < end, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0D { at += 1 } }
        skipSpace()
        guard at < end, bytes[at] == UInt8(ascii: "{") else { return nil }
        at += 1
        skipSpace()
        if at < end, bytes[at] == UInt8(ascii: "}") {
            at += 1
        } else {
            while true {
                skipSpace()
                guard at < end, bytes[at] == UInt8(ascii: "\""), let keyEnd = skipValue(bytes, from: at) else { return nil }
                let key = (at + 1)..<(keyEnd - 1)
                at = keyEnd
                skipSpace()
                guard at < end, bytes[at] == UInt8(ascii: ":") else { return nil }
                at += 1
                skipSpace()
                guard let value = skipValue(bytes, from: at) else { return nil }
                fields.append((key, at..<value))
                at = value
                skipSpace()
                guard at < end else { return nil }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                guard bytes[at] == UInt8(ascii: "}") else { return nil }
                at += 1
                break
            }
        }
        skipSpace()
        return at == end ? fields : nil
    }

    // MARK: values

    func has(_ key: String) -> Bool { range(key) != nil }

    func string(_ key: String) -> String? {
        guard let range = range(key) else { return nil }
        return bytes.withUnsafeBufferPointer { bytes in
            bytes[range.lowerBound] == UInt8(ascii: "\"") ? Self.decodeString(UnsafeBufferPointer(rebasing: bytes[range])) : nil
        }
    }

    func int(_ key: String) -> Int? {
        guard let range = range(key) else { return nil }
        return bytes.withUnsafeBufferPointer { bytes in
            var value = 0
            var negative = false
            var at = range.lowerBound
            if bytes[at] == UInt8(ascii: "-") { negative = true; at += 1 }
            guard at < range.upperBound else { return nil }
            while at < range.upperBound {
                let digit = Int(bytes[at]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                at += 1
            }
            return negative ? -value : value
        }
    }

    func bool(_ key: String) -> Bool? {
        guard let range = range(key) else { return nil }
        switch bytes[bytes.startIndex + range.lowerBound] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// The value as written: nested JSON for a field that holds an object.
    func raw(_ key: String) -> ArraySlice<UInt8>? {
        guard let range = range(key), bytes[bytes.startIndex + range.lowerBound] != UInt8(ascii: "n") else { return nil }
        return bytes[(bytes.startIndex + range.lowerBound)..<(bytes.startIndex + range.upperBound)]
    }

    private func range(_ key: String) -> Range<Int>? {
        var key = key
        return key.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { bytes in
                for field in fields where field.key.count == wanted.count {
                    if memcmp(bytes.baseAddress! + field.key.lowerBound, wanted.baseAddress!, wanted.count) == 0 { return field.value }
                }
                return nil
            }
        }
    }

    // MARK: scanning

    /// The index just past the JSON value starting at `start`, or nil when it is not complete.
    static func skipValue(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let end = bytes.count
        guard start < end else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            var at = start + 1
            while at < end {
                switch bytes[at] {
                case UInt8(ascii: "\\"): at += 2
                case UInt8(ascii: "\""): return at + 1
                case 0x00..<0x20: return nil
                default: at += 1
                }
            }
            return nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var at = start
            while at < end {
                switch bytes[at] {
                case UInt8(ascii: "\""):
                    guard let next = skipValue(bytes, from: at) else { return nil }
                    at = next
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return at + 1 }
                default: break
                }
                at += 1
            }
            return nil
        default:
            var at = start
            while at < end, isScalarByte(bytes[at]) { at += 1 }
            guard at > start else { return nil }
            func spells(_ word: StaticString) -> Bool {
                at - start == word.utf8CodeUnitCount && memcmp(bytes.baseAddress! + start, word.utf8Start, at - start) == 0
            }
            switch bytes[start] {
            case UInt8(ascii: "t"): return spells("true") ? at : nil
            case UInt8(ascii: "f"): return spells("false") ? at : nil
            case UInt8(ascii: "n"): return spells("null") ? at : nil
            default:
                for index in start..<at {
                    let byte = bytes[index]
                    guard (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                        || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") else { return nil }
                }
                return at
            }
        }
    }

    private static func isScalarByte(_ byte: UInt8) -> Bool {
        !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A)
    }

    static func decodeString(_ literal: ArraySlice<UInt8>) -> String? {
        literal.withUnsafeBufferPointer { decodeString($0) }
    }

    /// A JSON string literal (quotes included) as text, escapes decoded.
    static func decodeString(_ literal: UnsafeBufferPointer<UInt8>) -> String? {
        guard literal.count >= 2 else { return nil }
        let inner = UnsafeBufferPointer(rebasing: literal[1..<(literal.count - 1)])
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var at = inner.startIndex
        var pendingHigh: UInt32?
        while at < inner.endIndex {
            let byte = inner[at]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); at += 1; continue }
            guard at + 1 < inner.endIndex else { return nil }
            let escaped = inner[at + 1]
            at += 2
            switch escaped {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard at + 4 <= inner.endIndex, let unit = UInt32(String(decoding: inner[at..<(at + 4)], as: UTF8.self), radix: 16) else { return nil }
                at += 4
                var scalar: Unicode.Scalar?
                if (0xD800..<0xDC00).contains(unit) { pendingHigh = unit; continue }
                if (0xDC00..<0xE000).contains(unit), let high = pendingHigh {
                    scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)
                }
                pendingHigh = nil
                out.append(contentsOf: String(Character(scalar ?? "\u{FFFD}")).utf8)
            default: out.append(escaped)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
