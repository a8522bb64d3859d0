import Foundation
import TOMLKit
import TOMLPrecheck

/// A saved send as TOML: the keys of the send flags.
///
/// ```toml
/// topic = "events"
/// type = "json"            # json | string | binary
/// key = "player-{{seq}}"
/// partition = 2
/// mode = "stream"          # single | batch | stream | native
/// count = 1000
/// rate = 200               # records per second
/// data = '{"playerId":"{{seq}}"}'   # or file = "events.jsonl" (relative to this file)
/// [headers]
/// trace = "abc"
/// ```
enum SavedSendTOML {
    static let keys: Set = ["topic", "type", "key", "headers", "partition", "mode", "count", "rate", "data", "file", "format", "seed"]

    static func parse(_ text: String, file: String) throws -> SavedSend {
        do {
            return try parseChecked(text, file: file)
        } catch let error as ProfileError {
            // The table reader speaks of profiles; here it is a saved send.
            throw SavedSendError(file: error.file, key: error.key, problem: error.problem)
        }
    }

    private static func parseChecked(_ text: String, file: String) throws -> SavedSend {
        if let problem = TOMLPrecheck.problem(in: text) {
            throw SavedSendError(file: file, key: nil, problem: "not valid TOML at \(problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SavedSendError(file: file, key: nil, problem: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw SavedSendError(file: file, key: nil, problem: "not valid TOML")
        }
        let reader = TableReader(table: table, file: file, path: "")
        try reader.rejectUnknown(keys)
        func problem(_ key: String, _ text: String) -> SavedSendError { SavedSendError(file: file, key: key, problem: text) }

        var send = SavedSend()
        if let topic = try reader.optionalString("topic") {
            do { _ = try TopicName.full(topic, prefix: "") } catch { throw problem("topic", "\(error)") }
            send.topic = topic
        }
        if let type = try reader.optionalString("type") {
            guard let valueType = ValueType(rawValue: type.uppercased()) else { throw problem("type", "expected json, string or binary; found \"\(type)\"") }
            send.valueType = valueType
        }
        send.key = try reader.optionalString("key")
        if let headers = try reader.table("headers") {
            send.headers = try headers.keys.sorted().map { name in
                guard let value = headers[name]?.string else { throw problem("headers.\(name)", "expected a string value") }
                return HeaderTemplate(name: name, value: value)
            }
        }
        if table["partition"] != nil { send.partition = try reader.int("partition", default: 0, range: 0...100_000) }
        if let mode = try reader.optionalString("mode") {
            guard let transport = Transport(modeName: mode) else { throw problem("mode", "expected single, batch, stream or native; found \"\(mode)\"") }
            send.mode = transport
        }
        if table["count"] != nil { send.count = try reader.int("count", default: 1, range: 1...1_000_000_000) }
        if let rate = table["rate"] {
            let number = rate.double ?? rate.int.map(Double.init) ?? rate.string.flatMap { Double($0.hasSuffix("/s") ? String($0.dropLast(2)) : $0) }
            guard let number, number > 0, number.isFinite else { throw problem("rate", "expected records per second, e.g. 200 or \"200/s\"") }
            send.ratePerSecond = number
        }
        send.data = try reader.optionalString("data")
        send.file = try reader.optionalString("file")
        if send.data != nil && send.file != nil { throw problem("file", "give either data or file, not both") }
        if let format = try reader.optionalString("format") {
            guard let parsed = FileFormat(rawValue: format) else { throw problem("format", "expected auto, jsonl, array or lines; found \"\(format)\"") }
            send.format = parsed
        }
        if table["seed"] != nil { send.seed = UInt64(try reader.int("seed", default: 0, range: 0...Int.max)) }
        return send
    }

    /// TOML text for `send`, keys in the order an operator reads them.
    static func text(_ send: SavedSend) -> String {
        var lines = ["# ingest saved send: ingest send --saved NAME --profile PROFILE (flags override these keys)"]
        func add(_ key: String, _ value: String?) { if let value { lines.append("\(key) = \(value)") } }
        add("topic", send.topic.map(string))
        add("type", send.valueType.map { string($0.rawValue.lowercased()) })
        add("mode", send.mode.map { string($0.modeName) })
        add("count", send.count.map(String.init))
        add("rate", send.ratePerSecond.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) })
        add("partition", send.partition.map(String.init))
        add("key", send.key.map(string))
        add("seed", send.seed.map(String.init))
        add("format", send.format.map { string($0.rawValue) })
        add("file", send.file.map(string))
        add("data", send.data.map(string))
        if !send.headers.isEmpty {
            lines.append("")
            lines.append("[headers]")
            for header in send.headers { lines.append("\(bareOrQuotedKey(header.name)) = \(string(header.value))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML string: a multi-line literal for text with line breaks (as typed, no escapes),
    /// else a basic string with escapes.
    static func string(_ text: String) -> String {
        let printable = text.unicodeScalars.allSatisfy { $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7F) }
        if text.contains("\n"), printable, !text.contains("'''"), !text.hasSuffix("'") {
            return "'''\n" + text + "'''"
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func bareOrQuotedKey(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
        return bare ? key : string(key)
    }
}
