import Foundation

/// Streams events out of a file with bounded memory: JSON Lines / concatenated JSON / a single
/// JSON document, a JSON array, or plain lines (one STRING each). Only the current record is
/// held, so a 1 GB file streams like a small one.
public final class EventFileReader: RecordSource {
    public enum Format: String, Sendable, CaseIterable {
        case auto, jsonl, array, lines
    }

    let handle: FileHandle
    let path: String
    let valueType: ValueType
    let chunkSize: Int
    private(set) var format: Format
    private var splitter: ConcatenatedJSONSplitter
    private var pending: [ConcatenatedJSONSplitter.Piece] = []
    private var pendingLines: [(line: Int, text: String)] = []
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
        self.splitter = ConcatenatedJSONSplitter(maximumValueBytes: RecordLimits.maximumRecordBytes * 2)
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
        splitter = ConcatenatedJSONSplitter(maximumValueBytes: RecordLimits.maximumRecordBytes * 2, elementsOfArray: true)
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

    private func nextJSON() throws -> EventRecord? {
        while pending.isEmpty {
            guard let chunk = try readChunk() else {
                do { try splitter.finish() } catch {
                    throw InputError("\(path): the file ends inside a JSON value (truncated?)")
                }
                return nil
            }
            do {
                pending = try splitter.feedPieces(chunk)
            } catch {
                if case .valueTooLarge = error {
                    throw InputError("\(path): record \(recordsRead + 1) is larger than \(RecordLimits.maximumRecordBytes) bytes, the most a Kafka record may be")
                }
                throw InputError("\(path): \(error); is this JSON Lines? (use --format lines for plain text)")
            }
        }
        let piece = pending.removeFirst()
        recordsRead += 1
        do {
            try JSONValidator.validate(piece.bytes)
        } catch {
            throw InputError("\(path): record \(recordsRead) (starting on line \(piece.line)) is not valid JSON: \(Self.shift(error, by: piece.line - 1))")
        }
        do {
            return try RecordShape.record(fromJSON: piece.bytes, valueType: valueType)
        } catch let error as InputError {
            throw InputError("\(path): record \(recordsRead) (line \(piece.line)): \(error.description)")
        }
    }

    static func shift(_ error: JSONSyntaxError, by lines: Int) -> JSONSyntaxError {
        var shifted = error
        shifted.line += lines
        return shifted
    }

    private func nextLine() throws -> EventRecord? {
        while pendingLines.isEmpty {
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
        let (number, line) = pendingLines.removeFirst()
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

/// Something that yields records one at a time (a file, a repeated template, a list).
public protocol RecordSource: AnyObject {
    func next() throws -> EventRecord?
}

/// Tells a produce-request-shaped object (`{"value":{"type":..,"data":..},"key":..}`) from a
/// plain payload, and builds the record either way.
public enum RecordShape {
    static let recordKeys: Set = ["key", "value", "headers", "partition_id", "timestamp"]

    public static func record(fromJSON bytes: [UInt8], valueType: ValueType) throws -> EventRecord {
        // Only an object that mentions "type" can be a produce record: skip the parse otherwise.
        if Self.mentionsType(bytes), let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
           !object.isEmpty, Set(object.keys).isSubset(of: recordKeys),
           (object["value"] as? [String: Any])?["type"] != nil || (object["key"] as? [String: Any])?["type"] != nil {
            return try produceRecord(object)
        }
        switch valueType {
        case .json: return EventRecord(value: Payload(type: .json, data: bytes))
        case .string: return EventRecord(value: Payload(type: .string, data: bytes))
        case .binary: throw InputError("a JSON value cannot be sent as BINARY; give base64 lines with --format lines")
        }
    }

    static func mentionsType(_ bytes: [UInt8]) -> Bool {
        let needle = Array("\"type\"".utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    static func produceRecord(_ object: [String: Any]) throws -> EventRecord {
        var record = EventRecord(value: nil)
        if let key = object["key"] { record.key = try payload(key, what: "key") }
        if let value = object["value"] { record.value = try payload(value, what: "value") }
        if let partition = object["partition_id"] {
            guard let number = partition as? Int, number >= 0 else { throw InputError("partition_id must be a non-negative integer") }
            record.partition = number
        }
        if let timestamp = object["timestamp"] {
            guard let text = timestamp as? String else { throw InputError("timestamp must be an ISO-8601 string") }
            record.timestamp = text
        }
        if let headers = object["headers"] {
            guard let list = headers as? [[String: Any]] else { throw InputError("headers must be a list of {\"name\",\"value\"}") }
            record.headers = try list.map { header in
                guard let name = header["name"] as? String else { throw InputError("each header needs a string name") }
                if header["value"] == nil || header["value"] is NSNull { return RecordHeader(name: name, value: nil) }
                guard let text = header["value"] as? String, let data = Data(base64Encoded: text) else {
                    throw InputError("header \(name): value must be base64")
                }
                return RecordHeader(name: name, value: Array(data))
            }
        }
        return record
    }

    static func payload(_ any: Any, what: String) throws -> Payload? {
        if any is NSNull { return nil }
        guard let object = any as? [String: Any], let typeName = object["type"] as? String else {
            throw InputError("\(what) must be {\"type\": \"STRING\"|\"JSON\"|\"BINARY\", \"data\": ...}")
        }
        guard let type = ValueType(rawValue: typeName) else {
            throw InputError("\(what).type \"\(typeName)\" is not STRING, JSON or BINARY (schema types need a schema registry)")
        }
        let data = object["data"] ?? NSNull()
        switch type {
        case .json:
            let bytes = try JSONSerialization.data(withJSONObject: data, options: [.fragmentsAllowed, .withoutEscapingSlashes])
            return Payload(type: .json, data: Array(bytes))
        case .string:
            guard let text = data as? String else { throw InputError("\(what).data must be a string for STRING") }
            return Payload(type: .string, data: Array(text.utf8))
        case .binary:
            guard let text = data as? String else { throw InputError("\(what).data must be base64 text for BINARY") }
            return try Payload.make(type: .binary, text: text)
        }
    }
}

/// The same templated event, `count` times (`--data` with `--count`, the console's Compose):
/// value, key and header values are templates, expanded per record.
public final class TemplateSource: RecordSource {
    let template: Template
    let keyTemplate: Template?
    let valueType: ValueType
    let headers: [(name: String, value: Template)]
    let partition: Int?
    let count: Int
    private var seq = 0

    public init(value: String, valueType: ValueType, key: String? = nil, headers: [(name: String, value: String)] = [],
                partition: Int? = nil, count: Int = 1) throws {
        self.template = try Template(value)
        self.keyTemplate = try key.map { try Template($0) }
        self.valueType = valueType
        self.headers = try headers.map { (name: $0.name, value: try Template($0.value)) }
        self.partition = partition
        self.count = count
        // Fail before sending anything if the first expansion is not valid.
        _ = try record(seq: 1)
    }

    /// The record numbered `seq`, as it will be sent.
    public func record(seq: Int) throws -> EventRecord {
        let value = try Payload.make(type: valueType, text: template.expand(seq: seq))
        let key = try keyTemplate.map { try Payload.make(type: .string, text: $0.expand(seq: seq)) }
        let headers = headers.map { RecordHeader(name: $0.name, value: Array($0.value.expand(seq: seq).utf8)) }
        return EventRecord(key: key, value: value, headers: headers, partition: partition)
    }

    public func next() throws -> EventRecord? {
        guard seq < count else { return nil }
        seq += 1
        return try record(seq: seq)
    }
}

/// A fixed list (re-sends, tests).
public final class ListSource: RecordSource {
    private var records: [EventRecord]
    private var index = 0
    public init(_ records: [EventRecord]) { self.records = records }
    public func next() throws -> EventRecord? {
        guard index < records.count else { return nil }
        defer { index += 1 }
        return records[index]
    }
}
