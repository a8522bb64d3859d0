import Foundation

/// Streams events out of a file with bounded memory: JSON Lines / concatenated JSON / a single
/// JSON document, a JSON array, or plain lines (one STRING each). Only the current record is
/// held, so a 1 GB file streams like a small one.
public final class EventFileReader: RecordSource {
    public typealias Format = FileFormat

    let handle: FileHandle
    let path: String
    let valueType: ValueType
    let chunkSize: Int
    private(set) var format: Format
    private var splitter: ConcatenatedJSONSplitter
    // What the last chunk held, taken from `pendingIndex` on (removing from the front of an
    // array moves the rest: quadratic per chunk).
    private var pending: [ConcatenatedJSONSplitter.Piece] = []
    private var pendingIndex = 0
    private var pendingLines: [(line: Int, text: String)] = []
    private var pendingLineIndex = 0
    private var lineBuffer: [UInt8] = []
    private var lineNumber = 0
    private var atEnd = false
    private var started = false
    private var leftover: [UInt8] = []
    public private(set) var recordsRead = 0

    public init(path: String, format: Format = .auto, valueType: ValueType = .json, chunkSize: Int = 64 * 1024) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError("cannot open \(path): check the path and its permissions")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError("\(path) is a directory; give a file of events")
        }
        self.handle = handle
        self.path = path
        self.format = format
        self.valueType = valueType
        self.chunkSize = chunkSize
        self.splitter = ConcatenatedJSONSplitter(maximumValueBytes: RecordLimits.maximumRecordBytes * 2, validatesValues: true)
    }

    deinit { try? handle.close() }

    private func readChunk() throws -> [UInt8]? {
        if !leftover.isEmpty {
            defer { leftover = [] }
            return leftover
        }
        guard !atEnd else { return nil }
        let data: Data?
        do { data = try handle.read(upToCount: chunkSize) } catch {
            throw InputError("cannot read \(path): \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else {
            atEnd = true
            return nil
        }
        return Array(data)
    }

    /// Decides the format from the first meaningful byte when asked to.
    private func start() throws {
        started = true
        guard format == .auto else {
            if format == .array { try enterArray() }
            return
        }
        while let chunk = try readChunk() {
            if let first = chunk.firstIndex(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }) {
                leftover = chunk
                switch chunk[first] {
                case UInt8(ascii: "["): format = .array; try enterArray()
                case UInt8(ascii: "{"): format = .jsonl
                default: format = .lines
                }
                return
            }
        }
        format = .jsonl
    }

    private func enterArray() throws {
        splitter = ConcatenatedJSONSplitter(maximumValueBytes: RecordLimits.maximumRecordBytes * 2, elementsOfArray: true, validatesValues: true)
        while let chunk = try readChunk() {
            guard let open = chunk.firstIndex(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else { continue }
            guard chunk[open] == UInt8(ascii: "[") else {
                throw InputError("\(path): expected a JSON array starting with '['")
            }
            leftover = Array(chunk[(open + 1)...])
            return
        }
        throw InputError("\(path): the file is empty")
    }

    public func next() throws -> EventRecord? {
        if !started { try start() }
        switch format {
        case .lines: return try nextLine()
        default: return try nextJSON()
        }
    }

    /// The next record, handed to `body` without building it when it is a plain JSON value
    /// (the bytes are valid only inside `body`): no allocation or reference count per record
    /// on the way to a native send's block. False at the end.
    public func next(_ body: (BorrowedRecord) throws -> Void) throws -> Bool {
        if !started { try start() }
        guard format != .lines else {
            guard let record = try nextLine() else { return false }
            try body(.record(record))
            return true
        }
        guard try fillPending() else { return false }
        let piece = pendingIndex
        pendingIndex += 1
        recordsRead += 1
        if pending[piece].isValidJSON, !pending[piece].mentionsType, valueType != .binary {
            try pending[piece].withUnsafeBytes { try body(.value($0, valueType)) }
        } else {
            try body(.record(try record(from: pending[piece])))
        }
        return true
    }

    /// Pieces of the next chunk when those of the last are used up; false at the end.
    private func fillPending() throws -> Bool {
        while pendingIndex == pending.count {
            guard let chunk = try readChunk() else {
                do { try splitter.finish() } catch {
                    throw InputError("\(path): the file ends inside a JSON value (truncated?)")
                }
                return false
            }
            do {
                pending = try splitter.feedPieces(chunk)
                pendingIndex = 0
            } catch {
                if case .valueTooLarge = error {
                    throw InputError("\(path): record \(recordsRead + 1) is larger than \(RecordLimits.maximumRecordBytes) bytes, the most a Kafka record may be")
                }
                throw InputError("\(path): \(error); is this JSON Lines? (use --format lines for plain text)")
            }
        }
        return true
    }

    private func nextJSON() throws -> EventRecord? {
        guard try fillPending() else { return nil }
        let piece = pending[pendingIndex]
        pendingIndex += 1
        recordsRead += 1
        return try record(from: piece)
    }

    private func record(from piece: ConcatenatedJSONSplitter.Piece) throws -> EventRecord {
        // The splitter validated the pieces that lay whole in a chunk.
        var mentionsType = piece.mentionsType
        if !piece.isValidJSON {
            do {
                mentionsType = try JSONValidator.validateFindingType(piece.bytes)
            } catch {
                throw InputError("\(path): record \(recordsRead) (starting on line \(piece.line)) is not valid JSON: \(Self.shift(error, by: piece.line - 1))")
            }
        }
        do {
            return try RecordShape.record(fromJSON: piece.bytes, valueType: valueType, mentionsType: mentionsType)
        } catch let error as InputError {
            throw InputError("\(path): record \(recordsRead) (line \(piece.line)): \(error.description)")
        }
    }

    /// A record as `next(_:)` hands it over: a plain value's bytes, borrowed, or a record.
    public enum BorrowedRecord {
        case value(UnsafeRawBufferPointer, ValueType)
        case record(EventRecord)
    }

    static func shift(_ error: JSONSyntaxError, by lines: Int) -> JSONSyntaxError {
        var shifted = error
        shifted.line += lines
        return shifted
    }

    private func nextLine() throws -> EventRecord? {
        while pendingLineIndex == pendingLines.count {
            pendingLines.removeAll(keepingCapacity: true)
            pendingLineIndex = 0
            guard let chunk = try readChunk() else {
                guard !lineBuffer.isEmpty else { return nil }
                pendingLines.append((lineNumber + 1, try decodeLine(lineBuffer)))
                lineBuffer = []
                break
            }
            var start = 0
            for (index, byte) in chunk.enumerated() where byte == 0x0A {
                lineBuffer.append(contentsOf: chunk[start..<index])
                if lineBuffer.last == 0x0D { lineBuffer.removeLast() }
                pendingLines.append((lineNumber + 1, try decodeLine(lineBuffer)))
                lineBuffer.removeAll(keepingCapacity: true)
                start = index + 1
            }
            lineBuffer.append(contentsOf: chunk[start...])
            if lineBuffer.count > RecordLimits.maximumRecordBytes {
                throw InputError("\(path): line \(lineNumber + 1) is longer than \(RecordLimits.maximumRecordBytes) bytes, the most a Kafka record may be")
            }
            pendingLines.removeAll { $0.text.isEmpty }
        }
        let (number, line) = pendingLines[pendingLineIndex]
        pendingLineIndex += 1
        recordsRead += 1
        do {
            return EventRecord(value: try Payload.make(type: valueType == .json ? .json : valueType == .binary ? .binary : .string, text: line))
        } catch {
            throw InputError("\(path): line \(number): \(error)")
        }
    }

    private func decodeLine(_ bytes: [UInt8]) throws -> String {
        lineNumber += 1
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError("\(path): line \(lineNumber) is not UTF-8 text")
        }
        return text
    }
}
