import Foundation

/// `--print curl | kcat | properties` and the console's "copy as": a send written as the
/// commands an operator would run by hand. Run as printed, they produce the same records;
/// secrets stay in the variables or files the profile names.
public enum CopyAs {
    public enum Format: String, Sendable, CaseIterable {
        case curl, kcat, properties
    }

    /// Writes `plan` as `format`, a piece at a time (records are read as they are written,
    /// so a big file never sits in memory). Nothing is produced; the cluster id or the brokers
    /// are read through the session.
    public static func render(_ format: Format, plan: SendPlan, session: ProfileSession, write: (String) -> Void) async throws {
        if format != .properties, plan.options.durationSeconds != nil {
            throw InputError("--print writes a fixed number of records: give --count instead of --duration")
        }
        let target = try await CopyTarget.resolve(session: session, topic: plan.topic, needsKafka: format != .curl)
        for note in target.notes { write(note + "\n") }
        switch format {
        case .curl:
            try renderCurl(plan, target: target, write: write)
        case .kcat:
            try withoutActuallyEscaping(write) { write in
                var printer = KcatPrinter(target: target, write: write)
                try forEachRecord(plan) { seq, record in try printer.add(seq: seq, record: record) }
                printer.flush()
            }
        case .properties:
            write(ProducerProperties.text(target))
        }
    }

    /// Every record of the plan, numbered from 1 and size-checked as a send would.
    public static func forEachRecord(_ plan: SendPlan, _ body: (Int, EventRecord) throws -> Void) throws {
        let source = try Sender.source(for: plan)
        var seq = 0
        while let record = try source.next() {
            seq += 1
            try RecordLimits.check(record, seq: seq, limit: plan.options.maximumRecordBytes)
            try body(seq, record)
        }
    }

    static func renderCurl(_ plan: SendPlan, target: CopyTarget, write: (String) -> Void) throws {
        let url = "\(target.baseURL)/clusters/\(target.clusterID)/topics/\(target.topic)/records"
        switch plan.transport {
        case .native:
            throw InputError("--print curl writes REST requests: use --mode single, batch or stream, or --print kcat for Kafka")
        case .rest(.single):
            try forEachRecord(plan) { _, record in write(curl(url: url, target: target, body: RecordEncoding.produceRequest(record))) }
        case .rest(.batch):
            var entries: [(id: String, record: EventRecord)] = []
            try forEachRecord(plan) { seq, record in
                entries.append((String(seq), record))
                if entries.count == target.batchMaxEntries {
                    write(curl(url: url + ":batch", target: target, body: RecordEncoding.batchRequest(entries)))
                    entries.removeAll()
                }
            }
            if !entries.isEmpty { write(curl(url: url + ":batch", target: target, body: RecordEncoding.batchRequest(entries))) }
        case .rest(.stream):
            // One request per segment, as `ingest send` cuts them, records one per line.
            var inSegment = 0
            try forEachRecord(plan) { _, record in
                if inSegment == 0 { write(curlHead(url: url, target: target, streamed: true)) }
                write(String(decoding: RecordEncoding.produceRequest(record), as: UTF8.self) + "\n")
                inSegment += 1
                if inSegment == target.segmentRecords {
                    write("INGEST_RECORDS\n")
                    inSegment = 0
                }
            }
            if inSegment > 0 { write("INGEST_RECORDS\n") }
        }
    }

    /// The guide's form: `curl --location URL --header ... --data '{...}'`. Bodies too long
    /// for one argument (Linux takes 128 KiB) go through a here-document instead.
    static func curl(url: String, target: CopyTarget, body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self)
        if body.count > 100_000 {
            return curlHead(url: url, target: target, streamed: false) + text + "\nINGEST_RECORDS\n"
        }
        return curlHead(url: url, target: target, streamed: nil) + "  --data \(ShellText.quote(text))\n"
    }

    /// The command up to its body: `streamed` true for a chunked here-document, false for a
    /// plain one, nil when the body follows as `--data`.
    static func curlHead(url: String, target: CopyTarget, streamed: Bool?) -> String {
        var lines = ["curl --location \(ShellText.quote(url))"]
        if let caFile = target.caFile, url.hasPrefix("https:") { lines.append("  --cacert \(ShellText.quote(caFile))") }
        lines.append("  --header 'Content-Type: application/json'")
        if streamed == true { lines.append("  --header 'Transfer-Encoding: chunked'") }
        lines.append("  --header \"x-api-key: \(target.apiKey)\"")
        guard streamed != nil else { return lines.joined(separator: " \\\n") + " \\\n" }
        lines.append("  --data-binary @- <<'INGEST_RECORDS'")
        return lines.joined(separator: " \\\n") + "\n"
    }
}

/// `producer.properties` for the Java client, as the guide gives it, with the password read
/// by a config provider instead of written down.
enum ProducerProperties {
    static func text(_ target: CopyTarget) -> String {
        var lines = [
            "# producer.properties for \(target.topic); run: kafka-console-producer.sh --bootstrap-server \(target.bootstrap.first ?? "HOST:PORT") --topic \(target.topic) --producer.config producer.properties",
            "bootstrap.servers=\(target.bootstrap.joined(separator: ","))",
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-512",
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"\(target.username)\" password=\"\(target.passwordProperty)\";",
        ]
        if target.passwordProperty.hasPrefix("${env:") {
            lines += ["config.providers=env", "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider"]
        } else {
            lines += ["config.providers=dir", "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider"]
        }
        if let caFile = target.caFile {
            lines += ["ssl.truststore.type=PEM", "ssl.truststore.location=\(caFile)"]
        }
        lines += ["acks=all", "enable.idempotence=true"]
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CopyAs {
    /// A record's produce request on one line: JSON values compacted (the JSON text is kept
    /// otherwise, line breaks and all, as the proxy accepts it).
    public static func requestLine(_ record: EventRecord) -> String {
        var compacted = record
        if let value = record.value, value.type == .json { compacted.value = Payload(type: .json, data: JSONCompact.compact(value.data)) }
        if let key = record.key, key.type == .json { compacted.key = Payload(type: .json, data: JSONCompact.compact(key.data)) }
        return String(decoding: RecordEncoding.produceRequest(compacted), as: UTF8.self) + "\n"
    }
}
