/// A strict JSON (RFC 8259) checker over bytes that reports where the first error is, as
/// line:column, so operators can fix an event without guessing. Iterative, with a depth limit,
/// so hostile input cannot overflow the stack.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// Where the error is, in UTF-8 bytes from the start of the text.
    public var offset: Int = 0
    public var description: String { "line \(line), column \(column): \(message)" }
}

public enum JSONValidator {
    public static let maximumDepth = 512

    public static func validate(_ text: String) throws(JSONSyntaxError) {
        try validate(Array(text.utf8))
    }

    public static func validate(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        try validate(Array(bytes))
    }

    /// Arrays go straight to the scanner: the file reader validates every record through here.
    public static func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        _ = try validateFindingType(bytes)
    }

    public static func validate(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        var scanner = Scanner(bytes: buffer)
        try scanner.run()
    }

    /// Validates, and says whether the text holds `"type"` anywhere (RecordShape's cue for a
    /// produce record), noted at each string's closing quote on the way so the file reader need
    /// not search every record again: in valid JSON any `"type"` ends at a closing quote.
    public static func validateFindingType(_ bytes: [UInt8]) throws(JSONSyntaxError) -> Bool {
        var failure: JSONSyntaxError?
        let found = bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            do throws(JSONSyntaxError) { try scanner.run() } catch { failure = error }
            return scanner.sawQuotedType
        }
        if let failure { throw failure }
        return found
    }

    /// The one value at the start of `buffer`, if it is valid and complete there: where it ends,
    /// the line breaks inside it, and `"type"` as in `validateFindingType`. Nil otherwise (the
    /// caller takes its slow path, which reports errors). The splitter's fast path.
    public static func validPrefix(_ buffer: UnsafeBufferPointer<UInt8>) -> (end: Int, lineBreaks: Int, mentionsType: Bool)? {
        var scanner = Scanner(bytes: buffer)
        scanner.placesErrors = false
        do throws(JSONSyntaxError) { try scanner.run(prefixOnly: true) } catch { return nil }
        return (scanner.index, scanner.line - 1, scanner.sawQuotedType)
    }

    /// The open containers, innermost last: one bit a level (set: an object) in eight words
    /// kept inline, as many levels as `maximumDepth`. No allocation, and nothing to release.
    struct ContainerStack {
        private(set) var count = 0
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        var lastIsObject: Bool {
            let level = count - 1
            return withUnsafeBytes(of: words) { $0.load(fromByteOffset: level / 64 * 8, as: UInt64.self) } & (1 << UInt64(level % 64)) != 0
        }

        /// The caller keeps `count` below `maximumDepth` (512 levels: 8 × 64 bits).
        mutating func push(isObject: Bool) {
            let level = count
            withUnsafeMutableBytes(of: &words) { raw in
                let word = raw.load(fromByteOffset: level / 64 * 8, as: UInt64.self)
                let bit: UInt64 = 1 << UInt64(level % 64)
                raw.storeBytes(of: isObject ? word | bit : word & ~bit, toByteOffset: level / 64 * 8, as: UInt64.self)
            }
            count += 1
        }

        mutating func pop() { count -= 1 }
    }

    /// Works on a buffer the caller holds alive: plain loads, no array bounds checks or ARC in the
    /// per-byte loops.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var line = 1
        var lineStart = 0
        var stack = ContainerStack()
        /// A string ended in `"type"` (its closing quote and the five bytes before it).
        var sawQuotedType = false
        /// Off when the error is dropped anyway: its column would scan the line again.
        var placesErrors = true

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String, at position: Int? = nil) -> JSONSyntaxError {
            let position = position ?? index
            guard placesErrors else { return JSONSyntaxError(line: line, column: 0, message: message) }
            // Column counts characters, not bytes, so it matches what an editor shows.
            let column = String(decoding: bytes[lineStart..<min(position, bytes.count)], as: UTF8.self).count + 1
            return JSONSyntaxError(line: line, column: column, message: message, offset: min(position, bytes.count))
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0D: index += 1
                case 0x0A: index += 1; line += 1; lineStart = index
                default: return
                }
            }
        }

        func describe(_ byte: UInt8) -> String {
            if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x\(String(byte, radix: 16))"
        }

        /// `prefixOnly`: stop where the first value ends, whatever follows.
        mutating func run(prefixOnly: Bool = false) throws(JSONSyntaxError) {
            skipWhitespace()
            if index == bytes.count { throw error("empty: expected a JSON value") }
            try value()
            while stack.count > 0 {
                skipWhitespace()
                let isObject = stack.lastIsObject
                guard index < bytes.count else {
                    throw error(isObject ? "unexpected end: an object is not closed (missing '}')" : "unexpected end: an array is not closed (missing ']')")
                }
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    if isObject { try key() }
                    try value()
                } else if isObject && byte == UInt8(ascii: "}") || !isObject && byte == UInt8(ascii: "]") {
                    index += 1
                    stack.pop()
                } else {
                    throw error(isObject ? "expected ',' or '}' after a value, found \(describe(byte))" : "expected ',' or ']' after a value, found \(describe(byte))")
                }
            }
            if prefixOnly { return }
            skipWhitespace()
            if index < bytes.count {
                throw error("unexpected \(describe(bytes[index])) after the end of the JSON value")
            }
        }

        mutating func key() throws(JSONSyntaxError) {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end: expected a key") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a key in double quotes, found \(describe(bytes[index]))")
            }
            try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error(index < bytes.count ? "expected ':' after the key, found \(describe(bytes[index]))" : "unexpected end: expected ':'")
            }
            index += 1
        }

        /// Reads one value; opening a container pushes it and returns (its members are read by `run`).
        mutating func value() throws(JSONSyntaxError) {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end: expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[index] == UInt8(ascii: "{")
                guard stack.count < JSONValidator.maximumDepth else { throw error("nested deeper than \(JSONValidator.maximumDepth) levels") }
                index += 1
                skipWhitespace()
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if index < bytes.count && bytes[index] == close {
                    index += 1
                    return
                }
                stack.push(isObject: isObject)
                if isObject { try key() }
                try value()
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "'"): throw error("strings need double quotes, not single quotes")
            default: throw error("expected a value, found \(describe(bytes[index]))")
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
            let start = index
            for offset in 0..<word.utf8CodeUnitCount {
                guard index < bytes.count, bytes[index] == word.utf8Start[offset] else {
                    throw error("expected \(word), found \(describe(index < bytes.count ? bytes[index] : 0))", at: start)
                }
                index += 1
            }
        }

        @inline(__always)
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }

        mutating func number() throws(JSONSyntaxError) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw error("invalid number: a digit must follow '-'", at: start) }
            if bytes[index] == 0x30 {
                index += 1
                if isDigit(index) { throw error("invalid number: leading zeros are not allowed", at: start) }
            } else {
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(index) else { throw error("invalid number: a digit must follow '.'", at: start) }
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
                index += 1
                if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
                guard isDigit(index) else { throw error("invalid number: the exponent needs digits", at: start) }
                while isDigit(index) { index += 1 }
            }
        }

        mutating func string() throws(JSONSyntaxError) {
            let start = index
            index += 1
            while index < bytes.count {
                // Not empty here, so the base address is there.
                index = ByteSearch.endOfPlainText(bytes.baseAddress!, from: index, count: bytes.count)
                guard index < bytes.count else { break }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    if index >= 5 && bytes[index - 5] == 0x22 && bytes[index - 4] == 0x74 && bytes[index - 3] == 0x79
                        && bytes[index - 2] == 0x70 && bytes[index - 1] == 0x65 {  // "type
                        sawQuotedType = true
                    }
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { break }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard index < bytes.count, isHex(bytes[index]) else { throw error("invalid \\u escape: four hex digits expected") }
                            index += 1
                        }
                    default:
                        throw error("invalid escape \\\(Character(Unicode.Scalar(bytes[index])))")
                    }
                case 0x0A:
                    throw error("unterminated string (a raw line break inside a string must be written \\n)")
                case 0x00..<0x20:
                    throw error("control character \(describe(byte)) inside a string must be escaped")
                case 0x80...:
                    let length = try utf8Length(at: index)
                    index += length
                default:
                    index += 1
                }
            }
            throw error("unterminated string", at: start)
        }

        func isHex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }

        /// Checks one UTF-8 sequence so that non-UTF-8 input is named, not passed on.
        func utf8Length(at position: Int) throws(JSONSyntaxError) -> Int {
            let lead = bytes[position]
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: throw error("not UTF-8 text (byte 0x\(String(lead, radix: 16)))", at: position)
            }
            guard position + length <= bytes.count else { throw error("not UTF-8 text (truncated sequence)", at: position) }
            for offset in 1..<length where bytes[position + offset] & 0xC0 != 0x80 {
                throw error("not UTF-8 text (byte 0x\(String(bytes[position + offset], radix: 16)))", at: position)
            }
            return length
        }
    }
}
