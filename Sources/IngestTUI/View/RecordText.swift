import Foundation
import IngestModel

/// A record as the console shows it to read: as Kafka stores it (partition, key, headers
/// decoded when they are printable text, value with JSON indented), or as the REST proxy is
/// sent it (the produce request, indented).
enum RecordText {
    /// UTF-8 text without control characters (tabs and line ends allowed), else nil.
    static func printable(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let ok = text.unicodeScalars.allSatisfy { $0 == "\t" || $0 == "\n" || $0 == "\r" || ($0.value >= 0x20 && $0.value != 0x7F) }
        return ok ? text : nil
    }

    /// Printable text as it is, anything else as base64, said so.
    static func shown(_ bytes: [UInt8]) -> String {
        printable(bytes) ?? "base64:" + Data(bytes).base64EncodedString()
    }

    static func value(_ payload: Payload?) -> [String] {
        guard let payload else { return ["null"] }
        switch payload.type {
        case .json: return JSONPretty.format(String(decoding: payload.data, as: UTF8.self)).components(separatedBy: "\n")
        case .string: return shown(payload.data).components(separatedBy: "\n")
        case .binary: return ["base64:" + Data(payload.data).base64EncodedString()]
        }
    }

    /// A value to paste elsewhere: the text as sent (JSON as written), base64 for binary.
    static func copyText(_ payload: Payload?) -> String {
        guard let payload else { return "null" }
        return payload.type == .binary ? Data(payload.data).base64EncodedString() : String(decoding: payload.data, as: UTF8.self)
    }

    /// Key, headers and value as Kafka stores them; `partition` is where it went, if known.
    static func kafka(_ r: EventRecord, partition: Int?) -> [String] {
        var lines: [String] = []
        let where_ = partition.map(String.init) ?? r.partition.map { "\($0) (chosen)" } ?? (r.key == nil ? "any" : "by the key's hash")
        lines.append("partition " + where_)
        lines.append("key       " + (r.key.map { shown($0.data) } ?? "(none)"))
        if r.headers.isEmpty {
            lines.append("headers   (none)")
        } else {
            for (i, h) in r.headers.enumerated() {
                lines.append((i == 0 ? "headers   " : "          ") + h.name + ": " + (h.value.map(shown) ?? "(null)"))
            }
        }
        let size = r.value?.data.count ?? 0
        lines.append("value     " + (r.value.map { "\($0.type.rawValue), \(size) bytes" } ?? "null"))
        lines += value(r.value).map { "  " + $0 }
        return lines
    }

    /// The REST produce request as sent (headers in base64, as the proxy takes them), indented,
    /// then the headers decoded when there are any.
    static func rest(_ r: EventRecord) -> [String] {
        var lines = JSONPretty.format(String(decoding: RecordEncoding.produceRequest(r), as: UTF8.self)).components(separatedBy: "\n")
        if !r.headers.isEmpty {
            lines.append("")
            lines.append("headers, decoded:")
            lines += r.headers.map { "  " + $0.name + ": " + ($0.value.map(shown) ?? "(null)") }
        }
        return lines
    }

    /// How a send's records are shown: as the REST request for REST sends, as the Kafka record
    /// for native ones.
    static func lines(_ r: EventRecord, transport: Transport, partition: Int? = nil) -> [String] {
        transport == .native ? kafka(r, partition: partition) : rest(r)
    }
}
