import Foundation

public enum ValueType: String, Sendable, CaseIterable {
    case string = "STRING"
    case json = "JSON"
    case binary = "BINARY"
}

/// A key or value as the proxy takes it. `data` holds the wire form's source:
/// JSON text for `.json`, UTF-8 text for `.string`, raw bytes for `.binary`.
public struct Payload: Sendable, Equatable {
    public var type: ValueType
    public var data: [UInt8]

    public init(type: ValueType, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// Checks the payload and builds it; JSON errors come back with line:column.
    public static func make(type: ValueType, text: String) throws -> Payload {
        switch type {
        case .json:
            do { try JSONValidator.validate(text) } catch {
                throw InputError("invalid JSON at \(error)")
            }
            return Payload(type: .json, data: Array(text.utf8))
        case .string:
            return Payload(type: .string, data: Array(text.utf8))
        case .binary:
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw InputError("BINARY data must be base64 (with padding)")
            }
            return Payload(type: .binary, data: Array(data))
        }
    }

    /// Bytes as they land in Kafka: JSON text, UTF-8 text, or the raw bytes.
    public var kafkaBytes: [UInt8] { data }
}

public struct RecordHeader: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// One record to produce.
public struct EventRecord: Sendable, Equatable {
    public var key: Payload?
    public var value: Payload?
    public var headers: [RecordHeader]
    public var partition: Int?
    /// ISO-8601, or nil for the proxy's clock.
    public var timestamp: String?

    public init(key: Payload? = nil, value: Payload?, headers: [RecordHeader] = [], partition: Int? = nil, timestamp: String? = nil) {
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestamp = timestamp
    }

    /// Bytes of key and value, the figure Kafka's size limits apply to.
    public var approximateSize: Int {
        (key?.data.count ?? 0) + (value?.data.count ?? 0) + headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }
}

public enum RecordLimits {
    /// Kafka's default `max.request.size` and MSK's default `message.max.bytes` are about 1 MiB.
    public static let maximumRecordBytes = 1_048_576

    public static func check(_ record: EventRecord, seq: Int, limit: Int = maximumRecordBytes) throws {
        try check(size: record.approximateSize, seq: seq, limit: limit)
    }

    /// The same for a record of `size` bytes (key, value and headers).
    public static func check(size: Int, seq: Int, limit: Int = maximumRecordBytes) throws {
        if size > limit {
            throw InputError("record \(seq) is \(size) bytes; the limit is \(limit) bytes (Kafka's max.request.size / message.max.bytes): split it or send less")
        }
    }
}
