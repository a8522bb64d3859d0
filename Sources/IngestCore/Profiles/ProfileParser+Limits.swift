import TOMLKit

extension ProfileParser {
    static let limitsKeys: Set = ["max_records_per_send", "allowed_topics", "require_reason", "confirm_idle_minutes"]

    /// `[limits]`: what one send through the profile may do.
    ///
    /// ```toml
    /// [limits]
    /// max_records_per_send = 100
    /// allowed_topics = ["events", "ing-production-players"]   # short or full names
    /// require_reason = true
    /// confirm_idle_minutes = 15
    /// ```
    static func parseLimits(_ reader: TableReader, prefix: String) throws -> SendLimits {
        var limits = SendLimits()
        guard let table = try reader.table("limits") else { return limits }
        let l = TableReader(table: table, file: reader.file, path: "limits.")
        try l.rejectUnknown(limitsKeys)
        if table["max_records_per_send"] != nil {
            limits.maxRecordsPerSend = try l.int("max_records_per_send", default: 0, range: 1...1_000_000_000)
        }
        if table["allowed_topics"] != nil {
            let topics = try l.stringArray("allowed_topics")
            guard !topics.isEmpty else {
                throw ProfileError(file: reader.file, key: "limits.allowed_topics", problem: "is empty, which would refuse every send: list topics, or remove the key")
            }
            limits.allowedTopics = try topics.map { topic in
                do { return try TopicName.full(topic, prefix: prefix) } catch {
                    throw ProfileError(file: reader.file, key: "limits.allowed_topics", problem: "\(error)")
                }
            }
        }
        if let value = table["require_reason"] {
            guard let flag = value.bool else { throw l.expected("require_reason", "true or false", found: value) }
            limits.requireReason = flag
        }
        if table["confirm_idle_minutes"] != nil {
            limits.confirmIdleMinutes = try l.int("confirm_idle_minutes", default: 0, range: 1...10_080)
        }
        return limits
    }
}
