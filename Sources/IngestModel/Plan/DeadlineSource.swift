/// Records from another source until a deadline (`--duration`): the first call to `next()`
/// starts the clock, so opening connections does not eat into the run.
public final class DeadlineSource: RecordSource {
    private let source: RecordSource
    private let duration: Duration
    private var deadline: ContinuousClock.Instant?

    public init(_ source: RecordSource, seconds: Double) {
        self.source = source
        self.duration = .milliseconds(Int64(max(0, seconds) * 1000))
    }

    public func next() throws -> EventRecord? {
        let now = ContinuousClock.now
        if deadline == nil { deadline = now + duration }
        guard let deadline, now < deadline else { return nil }
        return try source.next()
    }
}
