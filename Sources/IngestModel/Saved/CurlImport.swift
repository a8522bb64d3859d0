import Foundation

/// A curl command pasted from the integration guide (or printed by `--print curl`), read back
/// into a send: topic from the URL, mode from `records:batch` or a chunked body, the first
/// record's type, key, headers, partition and value, and how many records the body held. The
/// API key in the command is never taken: the profile's is used.
public enum CurlImport {
    public struct Imported: Sendable, Equatable {
        public var send: SavedSend
        /// Records in the body (the send keeps the first as its template).
        public var records: Int
        /// What was left out or changed, to show the operator.
        public var notes: [String]
    }

    public static func parse(_ text: String) throws -> Imported {
        let words = try ShellWords.split(text)
        guard words.first == "curl" else { throw InputError("not a curl command: it should start with curl") }
        var url: String?, body: String?
        var headers: [(String, String)] = []
        var index = 1
        let takesValue: Set = ["-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "-X", "--request", "--url",
                               "--cacert", "-u", "--user", "-o", "--output", "-m", "--max-time", "-w", "--write-out", "--connect-timeout"]
        while index < words.count {
            let word = words[index]
            index += 1
            if takesValue.contains(word) {
                guard index < words.count else { throw InputError("\(word) needs a value") }
                let value = words[index]
                index += 1
                switch word {
                case "-H", "--header":
                    guard let colon = value.firstIndex(of: ":") else { throw InputError("header \"\(value)\" is not NAME: VALUE") }
                    headers.append((value[..<colon].trimmingCharacters(in: .whitespaces), value[value.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                case "-d", "--data", "--data-raw", "--data-binary", "--data-ascii":
                    if value.hasPrefix("@") && word != "--data-raw" {
                        throw InputError("the body is read from \(value.dropFirst()): load that file in the Load view, or paste the command with its body")
                    }
                    body = (body.map { $0 + "\n" } ?? "") + value
                case "--url": url = value
                default: break
                }
            } else if !word.hasPrefix("-") {
                url = url ?? word
            }
        }
        guard let url else { throw InputError("the curl command has no URL") }
        return try imported(url: url, headers: headers, body: body)
    }

    static func imported(url: String, headers: [(String, String)], body: String?) throws -> Imported {
        var notes: [String] = []
        guard let topicsRange = url.range(of: "/topics/") else {
            throw InputError("the URL is not a produce request (…/topics/TOPIC/records): \(url)")
        }
        let rest = url[topicsRange.upperBound...]
        guard let recordsRange = rest.range(of: "/records") else { throw InputError("the URL does not end in /records or /records:batch") }
        var topic = String(rest[..<recordsRange.lowerBound])
        if topic != topic.trimmingCharacters(in: .whitespaces) {
            topic = topic.trimmingCharacters(in: .whitespaces)
            notes.append("removed the stray space after the topic name in the URL")
        }
        let batch = rest[recordsRange.upperBound...].hasPrefix(":batch")
        if headers.contains(where: { $0.0.lowercased() == "x-api-key" }) {
            notes.append("the API key in the command was left out: the profile's is used")
        }
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }
        guard let body, !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw InputError("the curl command has no --data body") }

        var objects: [[UInt8]]
        var recordCount: Int
        var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 2 * RecordLimits.maximumRecordBytes)
        do {
            objects = try splitter.feed(Array(body.utf8))
        } catch {
            throw InputError("the body is not JSON: \(error)")
        }
        guard !splitter.isInsideValue else { throw InputError("the body's JSON is not complete") }
        recordCount = objects.count
        if batch {
            guard objects.count == 1, let entries = try? JSONSerialization.jsonObject(with: Data(objects[0])) as? [String: Any],
                  let list = entries["entries"] as? [Any], !list.isEmpty,
                  let first = RawJSON.member(objects[0], ["entries"]).flatMap(firstElement)
            else { throw InputError("a records:batch body should be {\"entries\": [ … ]} with at least one entry") }
            objects = [first]
            recordCount = list.count
        }
        guard let first = objects.first else { throw InputError("the body holds no record") }
        var send = try record(first)
        send.topic = topic
        send.mode = .rest(batch ? .batch : (chunked || recordCount > 1 ? .stream : .single))
        if recordCount > 1 {
            send.count = recordCount
            notes.append("the body held \(recordCount) records: the first is the template, sent \(recordCount) times")
        }
        return Imported(send: send, records: recordCount, notes: notes)
    }

    /// One produce request object as a send's fields.
    static func record(_ bytes: [UInt8]) throws -> SavedSend {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw InputError("a record in the body is not a JSON object")
        }
        var send = SavedSend()
        guard let value = object["value"] as? [String: Any], let typeName = value["type"] as? String,
              let type = ValueType(rawValue: typeName.uppercased())
        else { throw InputError("the record has no value {\"type\": \"JSON\"|\"STRING\"|\"BINARY\", \"data\": …}") }
        send.valueType = type
        send.data = try payloadText(type, raw: RawJSON.member(bytes, ["value", "data"]), parsed: value["data"])
        if let key = object["key"] as? [String: Any], let keyType = (key["type"] as? String).flatMap({ ValueType(rawValue: $0.uppercased()) }) {
            send.key = try payloadText(keyType, raw: RawJSON.member(bytes, ["key", "data"]), parsed: key["data"])
        }
        if let partition = object["partition_id"] as? Int { send.partition = partition }
        for header in object["headers"] as? [[String: Any]] ?? [] {
            guard let name = header["name"] as? String else { continue }
            let value = (header["value"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            send.headers.append(HeaderTemplate(name: name, value: value))
        }
        return send
    }

    static func payloadText(_ type: ValueType, raw: [UInt8]?, parsed: Any?) throws -> String {
        switch type {
        case .json:
            guard let raw else { throw InputError("the record's JSON data is missing") }
            return String(decoding: raw, as: UTF8.self)
        case .string, .binary:
            guard let text = parsed as? String else { throw InputError("\(type.rawValue) data must be a string") }
            return text
        }
    }

    /// The first element of a JSON array's text.
    static func firstElement(_ array: [UInt8]) -> [UInt8]? {
        guard let open = array.firstIndex(of: UInt8(ascii: "[")) else { return nil }
        var splitter = ConcatenatedJSONSplitter(maximumValueBytes: array.count + 1, elementsOfArray: true)
        return (try? splitter.feed(array[(open + 1)...]))?.first
    }
}

/// Words of a POSIX shell command line, as far as a pasted command needs: quotes, backslash
/// escapes and line continuations; it stops at a pipe, `;` or `&&` (`| jq …`).
enum ShellWords {
    static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = "", inWord = false
        var characters = Array(text)
        characters.append(" ")
        var i = 0
        func end() {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        }
        while i < characters.count {
            let c = characters[i]
            switch c {
            case "'":
                guard let close = characters[(i + 1)...].firstIndex(of: "'") else { throw InputError("a single quote is not closed") }
                current += String(characters[(i + 1)..<close])
                inWord = true
                i = close
            case "\"":
                inWord = true
                i += 1
                while i < characters.count, characters[i] != "\"" {
                    if characters[i] == "\\", i + 1 < characters.count, "\"\\$`\n".contains(characters[i + 1]) {
                        if characters[i + 1] != "\n" { current.append(characters[i + 1]) }
                        i += 2
                    } else {
                        current.append(characters[i])
                        i += 1
                    }
                }
                guard i < characters.count else { throw InputError("a double quote is not closed") }
            case "\\":
                if i + 1 < characters.count, characters[i + 1] != "\n" {
                    current.append(characters[i + 1])
                    inWord = true
                }
                i += 1
            case " ", "\t", "\n", "\r": end()
            case "|", ";", "&":
                end()
                return words
            default:
                current.append(c)
                inWord = true
            }
            i += 1
        }
        end()
        return words
    }
}
