/// The journal as a sink of a send: a run begun with the plan's context, every record's
/// digest (and value, with `journal_values`) before it goes, every outcome in the batches it
/// came in, and the footer at the end. Put it before sinks that show outcomes, so what an
/// operator saw is always in the journal.
public final class JournalSink: SendSink {
    let writer: JournalRunWriter

    public var runID: String { writer.runID }

    /// Begins a run of `plan` through `profile` in the standard journal (or `store`).
    public init(plan: SendPlan, profile: Profile, reason: String? = nil, store: JournalStore? = nil) throws {
        var format: String?
        var valueType: String?
        if case .file(_, let fileFormat, let type) = plan.source {
            format = fileFormat.rawValue
            valueType = type.rawValue
        }
        let store = try store ?? JournalStore(directory: JournalStore.defaultDirectory())
        writer = try store.beginRun(
            JournalRunInfo(profile: profile, topic: plan.topic, transport: plan.transport.name, mode: plan.transport.modeName,
                           source: plan.source.journalName, format: format, valueType: valueType, reason: reason),
            keepValues: profile.journalValues)
    }

    public var wantsRecords: Bool { true }
    public var takesRecordsReadAhead: Bool { true }

    public func willSend(seq: Int, record: EventRecord) {
        writer.willSend(seq: seq, record: record)
    }

    public func willReadAhead(seq: Int, record: EventRecord) {
        writer.stage(seq: seq, record: record)
    }

    public func willReadAhead(seq: Int, value: UnsafeRawBufferPointer, type: ValueType) {
        writer.stage(seq: seq, value: value, type: type)
    }

    public func didReadAheadChunk() {
        writer.commitStaged()
    }

    public func didReport(_ reports: [DeliveryReport]) {
        writer.record(reports)
    }

    public func didDeliver(_ range: DeliveredRange) {
        writer.record(range)
    }

    public func didFinish(_ result: SendResult) {
        let ledger = result.ledger
        writer.finish(delivered: ledger.delivered, failed: ledger.failed, unknown: ledger.unknown, stopReason: result.stopReason)
    }
}
