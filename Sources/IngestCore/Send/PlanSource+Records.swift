extension Sender {
    /// The records a plan sends: its source, cut at `durationSeconds` when there is one.
    public static func source(for plan: SendPlan) throws -> RecordSource {
        let records = try source(plan.source)
        guard let seconds = plan.options.durationSeconds else { return records }
        return DeadlineSource(records, seconds: seconds)
    }
}
