import Foundation

/// Writes records in the proxy's produce-request JSON, straight into bytes: values that are
/// already JSON are copied, never re-parsed.
public enum RecordEncoding {
    public static func produceRequest(_ record: EventRecord, batchID: String? = nil, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        func field(_ name: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        if let batchID {
            field("id")
            appendString(batchID, to: &out)
        }
        if let partition = record.partition {
            field("partition_id")
            out.append(contentsOf: String(partition).utf8)
        }
        if !record.headers.isEmpty {
            field("headers")
            out.append(UInt8(ascii: "["))
            for (index, header) in record.headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "{\"name\":".utf8)
                appendString(header.name, to: &out)
                out.append(contentsOf: ",\"value\":".utf8)
                if let value = header.value {
                    appendString(Data(value).base64EncodedString(), to: &out)
                } else {
                    out.append(contentsOf: "null".utf8)
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        if let key = record.key {
            field("key")
            appendPayload(key, to: &out)
        }
        if let value = record.value {
            field("value")
            appendPayload(value, to: &out)
        }
        if let timestamp = record.timestamp {
            field("timestamp")
            appendString(timestamp, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    public static func produceRequest(_ record: EventRecord) -> [UInt8] {
        var out: [UInt8] = []
        produceRequest(record, into: &out)
        return out
    }

    public static func batchRequest(_ records: [(id: String, record: EventRecord)]) -> [UInt8] {
        var out = Array("{\"entries\":[".utf8)
        for (index, entry) in records.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            produceRequest(entry.record, batchID: entry.id, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    static func appendPayload(_ payload: Payload, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"type\":\"".utf8)
        out.append(contentsOf: payload.type.rawValue.utf8)
        out.append(contentsOf: "\",\"data\":".utf8)
        switch payload.type {
        case .json: out.append(contentsOf: payload.data)
        case .string: appendString(String(decoding: payload.data, as: UTF8.self), to: &out)
        case .binary: appendString(Data(payload.data).base64EncodedString(), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    public static func appendString(_ string: String, to out: inout [UInt8]) {
        // Most strings (ids, timestamps, names) need no escape: copy them whole.
        var string = string
        let plain = string.withUTF8 { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            string.withUTF8 { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: "\\u00".utf8)
                if hex.count == 1 { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: hex.utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func jsonString(_ string: String) -> String {
        var out: [UInt8] = []
        appendString(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
