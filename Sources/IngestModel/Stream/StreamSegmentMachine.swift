import DequeModule

/// The life of one streamed request, as a value: which records are in flight (in order),
/// when the segment must end, and what each report or the end of the stream means.
/// The I/O lives elsewhere; this only decides, like async-http-client's state machines.
public struct StreamSegmentMachine: Sendable {
    public struct Limits: Sendable, Equatable {
        public var window: Int
        public var records: Int
        public var bytes: Int
        public var seconds: Double
        public var stallSeconds: Double

        public init(window: Int, records: Int, bytes: Int, seconds: Double, stallSeconds: Double) {
            self.window = window
            self.records = records
            self.bytes = bytes
            self.seconds = seconds
            self.stallSeconds = stallSeconds
        }

        public init(_ settings: StreamSettings, window: Int? = nil) {
            self.init(window: window ?? settings.window, records: settings.segmentRecords, bytes: settings.segmentBytes,
                      seconds: settings.segmentSeconds, stallSeconds: settings.stallSeconds)
        }
    }

    public enum SendDecision: Sendable, Equatable {
        /// Write the next record.
        case send
        /// The window is full: wait for a report (at most until the stall deadline).
        case wait
        /// End the request body: the segment is full, too old, or stalled.
        case endBody(EndReason)
    }

    public enum EndReason: String, Sendable, Equatable {
        case recordLimit = "segment record limit"
        case byteLimit = "segment size limit"
        case timeLimit = "segment time limit"
        case stalled = "no report within the stall time"
    }

    struct InFlight: Sendable {
        var seq: Int
        var sentAt: ContinuousClock.Instant
    }

    let limits: Limits
    let startedAt: ContinuousClock.Instant
    private var inFlight = Deque<InFlight>()
    private var lastProgress: ContinuousClock.Instant
    public private(set) var sentRecords = 0
    public private(set) var sentBytes = 0
    public private(set) var bodyEnded = false
    /// Reports that matched no record in flight (a server fault).
    public private(set) var unmatchedReports = 0

    public init(limits: Limits, now: ContinuousClock.Instant) {
        self.limits = limits
        self.startedAt = now
        self.lastProgress = now
    }

    public var inFlightCount: Int { inFlight.count }

    /// Whether the next record, of `bytes` bytes, may be written now.
    public func decide(nextRecordBytes bytes: Int, now: ContinuousClock.Instant) -> SendDecision {
        if sentRecords >= limits.records { return .endBody(.recordLimit) }
        if sentRecords > 0 && sentBytes + bytes > limits.bytes { return .endBody(.byteLimit) }
        if now - startedAt >= .seconds(limits.seconds) { return .endBody(.timeLimit) }
        if inFlight.count >= limits.window {
            // Reports stop coming when an intermediary buffers the body: end it to release them.
            if now - lastProgress >= .seconds(limits.stallSeconds) { return .endBody(.stalled) }
            return .wait
        }
        return .send
    }

    public mutating func didSend(seq: Int, bytes: Int, now: ContinuousClock.Instant) {
        precondition(!bodyEnded, "a record was written after the body ended")
        if inFlight.isEmpty { lastProgress = now }
        inFlight.append(InFlight(seq: seq, sentAt: now))
        sentRecords += 1
        sentBytes += bytes
    }

    public mutating func didEndBody() { bodyEnded = true }

    /// A report arrived: it belongs to the oldest record in flight (reports come in order).
    public mutating func didReceive(_ outcome: Outcome, now: ContinuousClock.Instant) -> DeliveryReport? {
        guard let first = inFlight.popFirst() else {
            unmatchedReports += 1
            return nil
        }
        lastProgress = now
        let latency = (now - first.sentAt).inMilliseconds
        return DeliveryReport(seq: first.seq, outcome: outcome, latencyMilliseconds: latency)
    }

    /// The response ended or broke: every record still in flight gets `outcome`.
    public mutating func finish(_ outcome: Outcome) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        while let record = inFlight.popFirst() {
            reports.append(DeliveryReport(seq: record.seq, outcome: outcome))
        }
        return reports
    }
}
