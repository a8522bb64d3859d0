/// The journal as a sink of a send: every record's digest before it goes, every outcome after.
public final class JournalSink: SendSink {
    let journal: Journal

    /// Opens the journal for one run of `plan` through `profile`; `reason` is kept with it.
    public init(plan: SendPlan, profile: Profile, directory: String = Journal.defaultDirectory(), reason: String? = nil) throws {
        var format: String?
        var valueType: String?
        if case .file(_, let fileFormat, let type) = plan.source {
            format = fileFormat.rawValue
            valueType = type.rawValue
        }
        journal = try Journal(run: JournalRun(profile: profile, topic: plan.topic, transport: plan.transport.name, mode: plan.transport.modeName,
                                              source: plan.source.journalName, format: format, valueType: valueType, reason: reason), directory: directory)
    }

    public var wantsRecords: Bool { true }

    public func willSend(seq: Int, record: EventRecord) {
        journal.willSend(seq: seq, record: record, request: RecordEncoding.produceRequest(record))
    }

    public func didReport(_ reports: [DeliveryReport]) {
        for report in reports { journal.record(report) }
    }
}
