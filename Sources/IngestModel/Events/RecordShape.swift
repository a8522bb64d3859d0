import Foundation

/// Tells a produce-request-shaped object (`{"value":{"type":..,"data":..},"key":..}`) from a
/// plain payload, and builds the record either way.
public enum RecordShape {
    static let recordKeys: Set = ["key", "value", "headers", "partition_id", "timestamp"]

    public static func record(fromJSON bytes: [UInt8], valueType: ValueType) throws -> EventRecord {
        try record(fromJSON: bytes, valueType: valueType, mentionsType: mentionsType(bytes))
    }

    /// `mentionsType`: whether the bytes hold `"type"`, when the caller knows it already
    /// (`JSONValidator.validateFindingType`). Inlinable: the plain payload is the file reader's
    /// per-record path.
    @inlinable @inline(__always)
    public static func record(fromJSON bytes: [UInt8], valueType: ValueType, mentionsType: Bool) throws -> EventRecord {
        // Only an object that mentions "type" can be a produce record: skip the parse otherwise.
        if !mentionsType, valueType != .binary {
            return EventRecord(value: Payload(type: valueType, data: bytes))
        }
        return try shapedRecord(fromJSON: bytes, valueType: valueType, mentionsType: mentionsType)
    }

    @usableFromInline
    static func shapedRecord(fromJSON bytes: [UInt8], valueType: ValueType, mentionsType: Bool) throws -> EventRecord {
        if mentionsType, let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
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
        ByteSearch.contains("\"type\"", in: bytes)
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
