/// The raw text of a member inside a JSON document, compacted, with key order kept: what the
/// real proxy (Jackson) writes to Kafka for a JSON value. Re-serializing through Foundation
/// would reorder keys. Input is already known to be valid JSON. Used by the sandbox and by
/// `CurlImport`.
public enum RawJSON {
    /// `path` names nested object members, e.g. ["value", "data"].
    public static func member(_ bytes: [UInt8], _ path: [String]) -> [UInt8]? {
        var index = 0
        var range = 0..<bytes.count
        for name in path {
            guard let found = find(bytes, in: range, key: Array(name.utf8), index: &index) else { return nil }
            range = found
        }
        return compact(bytes[range])
    }

    private static func skipSpace(_ b: [UInt8], _ i: inout Int, _ end: Int) {
        while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    /// End index (exclusive) of the value starting at `i`.
    private static func skipValue(_ b: [UInt8], _ start: Int, _ end: Int) -> Int {
        var i = start
        var depth = 0
        var inString = false
        while i < end {
            let c = b[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return i + 1 }
                }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return i }
                depth -= 1
                if depth == 0 { return i + 1 }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return i
    }

    /// The range of `key`'s value in the object occupying `range`.
    private static func find(_ b: [UInt8], in range: Range<Int>, key: [UInt8], index: inout Int) -> Range<Int>? {
        var i = range.lowerBound
        skipSpace(b, &i, range.upperBound)
        guard i < range.upperBound, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        while i < range.upperBound {
            skipSpace(b, &i, range.upperBound)
            guard i < range.upperBound, b[i] == UInt8(ascii: "\"") else { return nil }
            let keyEnd = skipValue(b, i, range.upperBound)
            let name = Array(b[(i + 1)..<(keyEnd - 1)])
            i = keyEnd
            skipSpace(b, &i, range.upperBound)
            guard i < range.upperBound, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace(b, &i, range.upperBound)
            let valueEnd = skipValue(b, i, range.upperBound)
            if name == key { return i..<valueEnd }
            i = valueEnd
            skipSpace(b, &i, range.upperBound)
            guard i < range.upperBound, b[i] == UInt8(ascii: ",") else { return nil }
            i += 1
        }
        return nil
    }

    /// Drops whitespace outside strings.
    static func compact(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        JSONCompact.compact(slice)
    }
}
