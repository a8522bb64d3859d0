import Foundation

/// One record with its run's context, in one flat object: the first journal format's line, and
/// what `ingest journal --run ID --json` prints (so scripts reading it keep working).
public struct JournalEntry: Codable, Sendable, Equatable {
    public var time: String
    public var run: String
    public var profile: String
    /// The profile's file, so a replay uses the same profile even when it was given by path.
    public var profile_file: String?
    public var environment: String
    public var topic: String
    public var transport: String
    public var mode: String
    public var seq: Int
    public var digest: String
    public var size: Int
    public var outcome: String
    public var partition: Int?
    public var offset: Int64?
    public var error_code: Int?
    public var message: String?
    /// `file:PATH` when the records came from a file (replay re-reads it), `data` otherwise.
    public var source: String
    public var format: String?
    public var value_type: String?
    /// The produce request as sent, only with `journal_values = true`.
    public var record: String?
}

extension JournalEntry {
    /// The entry as one JSON object, keys sorted, written by hand: JSONEncoder cost more than
    /// the send itself at stream rates.
    public var jsonLine: String {
        func string(_ value: String) -> String { RecordEncoding.jsonString(value) }
        var fields: [String] = ["\"digest\":\(string(digest))", "\"environment\":\(string(environment))"]
        if let error_code { fields.append("\"error_code\":\(error_code)") }
        if let format { fields.append("\"format\":\(string(format))") }
        if let message { fields.append("\"message\":\(string(message))") }
        fields.append("\"mode\":\(string(mode))")
        if let offset { fields.append("\"offset\":\(offset)") }
        fields.append("\"outcome\":\(string(outcome))")
        if let partition { fields.append("\"partition\":\(partition)") }
        fields.append("\"profile\":\(string(profile))")
        if let profile_file { fields.append("\"profile_file\":\(string(profile_file))") }
        if let record { fields.append("\"record\":\(string(record))") }
        fields.append(contentsOf: ["\"run\":\(string(run))", "\"seq\":\(seq)", "\"size\":\(size)", "\"source\":\(string(source))",
                                   "\"time\":\(string(time))", "\"topic\":\(string(topic))", "\"transport\":\(string(transport))"])
        if let value_type { fields.append("\"value_type\":\(string(value_type))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

extension JournalEntry {
    /// A record's entry with its run's context.
    public init(run: JournalRunSummary, entry: JournalRecordEntry) {
        var partition: Int?
        var offset: Int64?
        var code: Int?
        var message: String?
        switch entry.outcome {
        case .delivered(let p, let o, _): (partition, offset) = (p, o)
        case .failed(let c, let m): (code, message) = (c, m)
        case .unknown(let m): message = m
        }
        self.init(time: JournalFormat.isoTime(entry.milliseconds), run: run.id, profile: run.info.profile, profile_file: run.info.profileFile,
                  environment: run.info.environment, topic: run.info.topic, transport: run.info.transport, mode: run.info.mode,
                  seq: entry.seq, digest: entry.digest ?? "", size: entry.size ?? 0, outcome: entry.outcome.name,
                  partition: partition, offset: offset, error_code: code, message: message, source: run.info.source,
                  format: run.info.format, value_type: run.info.valueType,
                  record: entry.value.map { String(decoding: $0, as: UTF8.self) })
    }
}
