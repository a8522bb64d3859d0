/// Indents JSON for reading (the console's previews and record details). Text that is not
/// valid JSON comes back as it is; strings are copied byte for byte.
public enum JSONPretty {
    public static func format(_ text: String, indent: Int = 2) -> String {
        let bytes = Array(text.utf8)
        guard (try? JSONValidator.validate(bytes)) != nil else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var depth = 0
        var i = 0
        func newline() {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: depth * indent))
        }
        func nextSignificant(after j: Int) -> UInt8? {
            var k = j + 1
            while k < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k += 1 }
            return k < bytes.count ? bytes[k] : nil
        }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            case UInt8(ascii: "\""):
                // Copy the string through its closing quote, escapes included.
                out.append(b)
                i += 1
                while i < bytes.count {
                    out.append(bytes[i])
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
                        i += 1
                        out.append(bytes[i])
                    } else if bytes[i] == UInt8(ascii: "\"") {
                        break
                    }
                    i += 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(b)
                let close = b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if nextSignificant(after: i) == close {
                    // An empty object or array stays on its line.
                    while bytes[i] != close { i += 1 }
                    out.append(close)
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(b)
            case UInt8(ascii: ","):
                out.append(b)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: [b, 0x20])
            default:
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
