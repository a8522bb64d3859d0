/// Cuts a byte stream of concatenated JSON values (`{..}{..}`, `{..}\r\n{..}`, JSON Lines)
/// into one value each, however the stream is chunked. It tracks strings and escapes, so
/// braces inside strings do not count. It does not validate values: callers decode them.
public struct ConcatenatedJSONSplitter: Sendable {
    public enum SplitError: Error, Equatable, CustomStringConvertible {
        case unexpectedByte(UInt8, offset: Int)
        case valueTooLarge(limit: Int)
        case truncated

        public var description: String {
            switch self {
            case .unexpectedByte(let byte, let offset):
                let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
                return "expected '{' or '[' to start a JSON value at byte \(offset), found \(shown)"
            case .valueTooLarge(let limit): return "a JSON value is larger than \(limit) bytes"
            case .truncated: return "the stream ended inside a JSON value"
            }
        }
    }

    /// One complete value and the line it starts on (1-based). A value that lay whole in a
    /// chunk is a range of that chunk, shared with the other values in it: cutting a chunk
    /// into values allocates nothing per value.
    public struct Piece: Sendable, Equatable {
        /// The chunk the value lay in, or the value's own bytes when it spanned chunks.
        public var storage: [UInt8]
        public var range: Range<Int>
        public var line: Int
        /// Checked by `JSONValidator.validPrefix` on the way (`validatesValues`), and what it found.
        public var isValidJSON = false
        public var mentionsType = false

        public init(storage: [UInt8], range: Range<Int>, line: Int, isValidJSON: Bool = false, mentionsType: Bool = false) {
            self.storage = storage
            self.range = range
            self.line = line
            self.isValidJSON = isValidJSON
            self.mentionsType = mentionsType
        }

        /// The value's bytes (a copy, unless the value has its storage to itself).
        public var bytes: [UInt8] {
            range == storage.indices ? storage : Array(storage[range])
        }

        /// The value's bytes in place.
        public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
            try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
        }

        public static func == (left: Piece, right: Piece) -> Bool {
            left.line == right.line && left.isValidJSON == right.isValidJSON && left.mentionsType == right.mentionsType
                && left.storage[left.range].elementsEqual(right.storage[right.range])
        }
    }

    public let maximumValueBytes: Int
    /// Inside a top-level JSON array: `]` at depth 0 ends the stream.
    private let elementsOfArray: Bool
    public private(set) var arrayClosed = false
    private var current: [UInt8] = []
    private var line = 1
    private var startLine = 1
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var consumed = 0

    /// Values that lie whole in a chunk are validated in place, and that pass stands in for the
    /// byte walk: cheaper for a caller that validates every value anyway (the file reader).
    private let validatesValues: Bool

    public init(maximumValueBytes: Int = 64 * 1024 * 1024, elementsOfArray: Bool = false, validatesValues: Bool = false) {
        self.maximumValueBytes = maximumValueBytes
        self.elementsOfArray = elementsOfArray
        self.validatesValues = validatesValues
    }

    /// True when a value has started and not yet ended.
    public var isInsideValue: Bool { depth > 0 }

    /// Feeds bytes; returns the values completed by them, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(SplitError) -> [[UInt8]] {
        try feedPieces(bytes).map(\.bytes)
    }

    public mutating func feedPieces(_ bytes: some Sequence<UInt8>) throws(SplitError) -> [Piece] {
        let chunk = Array(bytes)
        var values: [Piece] = []
        var failure: SplitError?
        chunk.withUnsafeBufferPointer { buffer in
            do throws(SplitError) { try scan(buffer, of: chunk, into: &values) } catch { failure = error }
        }
        if let failure { throw failure }
        return values
    }

    /// Walks the chunk by index and cuts each value out as a range of it (this is a hot path).
    /// The state lives in locals while the chunk is walked and is stored back once.
    private mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>, of chunk: [UInt8], into values: inout [Piece]) throws(SplitError) {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return }
        var index = 0
        var valueStart = depth > 0 ? 0 : -1
        var depth = self.depth, inString = self.inString, escaped = self.escaped
        var line = self.line, startLine = self.startLine, arrayClosed = self.arrayClosed
        let consumedBefore = consumed
        defer {
            self.depth = depth; self.inString = inString; self.escaped = escaped
            self.line = line; self.startLine = startLine; self.arrayClosed = arrayClosed
            consumed = consumedBefore + index
        }
        while index < count {
            let byte = base[index]
            index += 1
            if byte == 0x0A { line += 1 }
            if depth == 0 {
                if arrayClosed {
                    guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { throw .unexpectedByte(byte, offset: consumedBefore + index - 1) }
                    continue
                }
                switch byte {
                case 0x20, 0x09, 0x0A, 0x0D, 0x2C: continue  // whitespace; commas tolerated between values
                case UInt8(ascii: "]") where elementsOfArray:
                    arrayClosed = true
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    // A valid value ends where the walk below would end it, with the same line
                    // breaks; anything else (invalid, or cut by the chunk) takes the walk.
                    if validatesValues, let valid = JSONValidator.validPrefix(UnsafeBufferPointer(rebasing: buffer[(index - 1)...])) {
                        let end = index - 1 + valid.end
                        if valid.end > maximumValueBytes { throw .valueTooLarge(limit: maximumValueBytes) }
                        values.append(Piece(storage: chunk, range: (index - 1)..<end, line: line, isValidJSON: true, mentionsType: valid.mentionsType))
                        line += valid.lineBreaks
                        index = end
                        continue
                    }
                    depth = 1
                    startLine = line
                    valueStart = index - 1
                    continue
                default:
                    throw .unexpectedByte(byte, offset: consumedBefore + index - 1)
                }
            }
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true; continue }
                else if byte == UInt8(ascii: "\"") { inString = false; continue }
                // Plain text up to the next quote, backslash or line break, eight bytes a step.
                index = ByteSearch.endOfPlainText(base, from: index, count: count)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                index = ByteSearch.endOfPlainText(base, from: index, count: count)
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    // A value within this chunk is a range of it; one that began in an earlier
                    // chunk is completed in `current`, which is then left empty (not kept: it
                    // is shared with the piece, so keeping its capacity would copy it).
                    let piece: Piece
                    if current.isEmpty {
                        piece = Piece(storage: chunk, range: valueStart..<index, line: startLine)
                    } else {
                        current.append(contentsOf: buffer[valueStart..<index])
                        piece = Piece(storage: current, range: 0..<current.count, line: startLine)
                        current = []
                    }
                    if piece.range.count > maximumValueBytes { throw .valueTooLarge(limit: maximumValueBytes) }
                    values.append(piece)
                    valueStart = -1
                }
            default: break
            }
        }
        if depth > 0 && valueStart >= 0 {
            current.append(contentsOf: buffer[valueStart..<count])
            if current.count > maximumValueBytes { throw .valueTooLarge(limit: maximumValueBytes) }
        }
    }

    /// Call at end of stream: throws if a value was cut off.
    public func finish() throws(SplitError) {
        if depth > 0 || (elementsOfArray && !arrayClosed) { throw .truncated }
    }
}
