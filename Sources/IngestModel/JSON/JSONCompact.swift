/// JSON text without the whitespace outside strings: what the REST proxy stores for a JSON
/// value (it parses and re-writes it), keeping key order.
public enum JSONCompact {
    /// `bytes` must already be valid JSON.
    public static func compact<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        for c in bytes {
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { continue }
            if c == UInt8(ascii: "\"") { inString = true }
            out.append(c)
        }
        return out
    }
}
