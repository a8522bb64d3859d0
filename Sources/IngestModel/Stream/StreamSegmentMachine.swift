import DequeModule

/// The life of one streamed request, as a value: which records are in flight (in order),
/// when the segment must end, and which record each report answers. The stream's shared
/// window and the choice between segments live in `StreamFlow`; the I/O lives elsewhere.
public struct StreamSegmentMachine: Sendable {
    public struct Limits: Sendable, Equatable {
        public var records: Int
        public var bytes: Int
        public var seconds: Double
        public var stallSeconds: Double

        public init(records: Int, bytes: Int, seconds: Double, stallSeconds: Double) {
            self.records = records
            self.bytes = bytes
            self.seconds = seconds
            self.stallSeconds = stallSeconds
        }

        public init(_ settings: StreamSettings) {
            self.init(records: settings.segmentRecords, bytes: settings.segmentBytes,
                      seconds: settings.segmentSeconds, stallSeconds: settings.stallSeconds)
        }
    }

    public enum EndReason: String, Sendable, Equatable {
        case recordLimit = "segment record limit"
        case byteLimit = "segment size limit"
        case timeLimit = "segment time limit"
        case stalled = "no report within the stall time"
        case probe = "no report while the body is open: a buffering gateway?"
        case windowFull = "window full (a buffering gateway answers once the body ends)"
        case closing = "the proxy is closing the stream"
        case nothingToSend = "no record to send yet"
    }

    struct InFlight: Sendable {
        var record: StreamRecord
        var sentAt: ContinuousClock.Instant
    }

    public let limits: Limits
    public let startedAt: ContinuousClock.Instant
    private var inFlight = Deque<InFlight>()
    public private(set) var lastProgress: ContinuousClock.Instant
    public private(set) var firstSentAt: ContinuousClock.Instant?
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

    /// Why the segment must end before `bytes` more, or nil when the segment has room.
    public func limitReached(nextRecordBytes bytes: Int, now: ContinuousClock.Instant) -> EndReason? {
        if sentRecords >= limits.records { return .recordLimit }
        if sentRecords > 0 && sentBytes + bytes > limits.bytes { return .byteLimit }
        if now - startedAt >= .seconds(limits.seconds) { return .timeLimit }
        return nil
    }

    /// Records are waiting for reports and none came for the stall time.
    public func isStalled(now: ContinuousClock.Instant) -> Bool {
        !inFlight.isEmpty && now - lastProgress >= .seconds(limits.stallSeconds)
    }

    public mutating func didSend(_ record: StreamRecord, now: ContinuousClock.Instant) {
        precondition(!bodyEnded, "a record was written after the body ended")
        if inFlight.isEmpty { lastProgress = now }
        if firstSentAt == nil { firstSentAt = now }
        inFlight.append(InFlight(record: record, sentAt: now))
        sentRecords += 1
        sentBytes += record.bytes.count
    }

    public mutating func didEndBody() { bodyEnded = true }

    /// A report arrived: it belongs to the oldest record in flight (reports come in order).
    /// Returns that record and the report's latency in milliseconds.
    public mutating func didReceive(now: ContinuousClock.Instant) -> (record: StreamRecord, latency: Double)? {
        guard let first = inFlight.popFirst() else {
            unmatchedReports += 1
            return nil
        }
        lastProgress = now
        return (first.record, (now - first.sentAt).inMilliseconds)
    }

    /// The response ended or broke: every record still in flight, oldest first.
    public mutating func finish() -> [StreamRecord] {
        defer { inFlight.removeAll() }
        return inFlight.map(\.record)
    }
}

/// A record on its way through a stream: encoded once, kept until it has an outcome, so that
/// a record the server refused for now can be sent again byte for byte.
public struct StreamRecord: Sendable {
    public let seq: Int
    public let bytes: [UInt8]
    /// When it was first written: the delivery timeout counts from here.
    public var firstSent: ContinuousClock.Instant?
    /// The last "not now" it got.
    public var lastRefusal: Refusal?

    public init(seq: Int, bytes: [UInt8]) {
        self.seq = seq
        self.bytes = bytes
    }
}
