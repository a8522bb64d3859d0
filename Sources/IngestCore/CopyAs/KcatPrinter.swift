/// Records as `kcat -P` commands through SASL_SSL + SCRAM-SHA-512. Records that share a
/// partition and headers go through one kcat, fed by printf: one record per line, `key<TAB>value`
/// when they have keys. A record with a line break (or a tab in its key, or bytes that are not
/// text) goes with others like it, delimited by the bytes 0x1E and 0x1F instead.
struct KcatPrinter {
    let target: CopyTarget
    let write: (String) -> Void
    private var group: Group?
    static let maximumGroup = 500

    struct Group {
        var partition: Int?
        var headers: [RecordHeader]
        var keyed: Bool
        var delimited: Bool
        var lines: [String] = []
    }

    init(target: CopyTarget, write: @escaping (String) -> Void) {
        self.target = target
        self.write = write
    }

    mutating func add(seq: Int, record: EventRecord) throws {
        let value = Self.kafkaBytes(record.value)
        let key = record.key.map { Self.kafkaBytes($0) }
        if key == nil && value.isEmpty {
            throw InputError("record \(seq) has an empty value and no key, which kcat -P skips: it cannot be printed as a kcat command")
        }
        let delimited = !Self.isLine(value) || key.map { !Self.isLine($0) || $0.contains(0x09) } ?? false
        if delimited, value.contains(0x1E) || (key?.contains(0x1F) ?? false) || (key?.contains(0x1E) ?? false) {
            throw InputError("record \(seq) holds the byte 0x1E or 0x1F that the printed kcat command uses to separate records: send it with ingest")
        }
        if let current = group, current.partition != record.partition || current.headers != record.headers
            || current.keyed != (key != nil) || current.delimited != delimited || current.lines.count >= Self.maximumGroup {
            flush()
        }
        if group == nil { group = Group(partition: record.partition, headers: record.headers, keyed: key != nil, delimited: delimited) }
        let (recordEnd, keyEnd) = delimited ? (#"\036"#, #"\037"#) : (#"\n"#, #"\t"#)
        let keyText = key.map { ShellText.printfFormat($0) + keyEnd } ?? ""
        group?.lines.append("'" + keyText + ShellText.printfFormat(value) + recordEnd + "'")
    }

    mutating func flush() {
        guard let group, !group.lines.isEmpty else { return }
        self.group = nil
        var command = "printf"
        if group.lines.count == 1 {
            command += " " + group.lines[0]
        } else {
            // One printf per record, so each line stays readable.
            command = "{\n" + group.lines.map { "  printf \($0)\n" }.joined() + "}"
        }
        var options = ["kcat -P", "-b \(ShellText.quote(target.bootstrap.joined(separator: ",")))", "-t \(ShellText.quote(target.topic))"]
        if let partition = group.partition { options.append("-p \(partition)") }
        for header in group.headers {
            let text = header.value.map { header.name + "=" + String(decoding: $0, as: UTF8.self) } ?? header.name
            options.append("-H \(ShellText.quote(text))")
        }
        if group.delimited { options.append(#"-D '\x1e'"#) }
        if group.keyed {
            options.append(group.delimited ? #"-K '\x1f'"# : #"-K '\t'"#)
            // Keyed records go where the Java client (and so the REST proxy) puts them.
            if group.partition == nil { options.append("-X topic.partitioner=murmur2_random") }
        }
        options += ["-X security.protocol=SASL_SSL", "-X sasl.mechanisms=SCRAM-SHA-512",
                    "-X sasl.username=\(ShellText.quote(target.username))", "-X sasl.password=\"\(target.password)\""]
        if let caFile = target.caFile { options.append("-X ssl.ca.location=\(ShellText.quote(caFile))") }
        write(command + " | " + options.joined(separator: " \\\n  ") + "\n")
    }

    /// What the REST proxy stores: JSON compacted (it parses and re-writes it), text and bytes as they are.
    static func kafkaBytes(_ payload: Payload?) -> [UInt8] {
        guard let payload else { return [] }
        return payload.type == .json ? JSONCompact.compact(payload.data) : payload.data
    }

    /// Text on one line: UTF-8 with no line break and no NUL.
    static func isLine(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(0x0A) && !bytes.contains(0x0D) && !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }
}
