import DequeModule

/// A whole stream as a value: its segments (requests), the window shared by them, what the
/// path turned out to be (a duplex proxy, or a gateway that buffers each body until it ends),
/// what the gateway refused (chunked bodies, a size, a duration), and the records waiting to
/// be sent again. It decides; the caller writes, reads and sleeps. Every record written gets
/// exactly one of: a report, a place in the retry queue, or an outcome when its segment ends.
public struct StreamFlow: Sendable {
    public enum Mode: String, Sendable, Equatable {
        /// Not known yet: the first segment finds out.
        case probing
        /// Reports come while the body is still being written.
        case duplex
        /// Reports come only once a body ended: segments are cut to size, several in flight.
        case buffered
    }

    public struct Settings: Sendable, Equatable {
        public var stream: StreamSettings
        /// A fixed window (`[stream] window`, `--window`); nil adapts.
        public var fixedWindow: Int?
        public var deliveryTimeout: Duration
        /// How long the first segment waits for a first report before ending its body to find out
        /// whether a gateway buffers it.
        public var probe: Duration
        public var maximumOpenDuplex = 2
        public var maximumOpenBuffered = 4

        public init(stream: StreamSettings, fixedWindow: Int?, deliveryTimeout: Duration, probe: Duration) {
            self.stream = stream
            self.fixedWindow = fixedWindow
            self.deliveryTimeout = deliveryTimeout
            self.probe = probe
        }
    }

    public enum Decision: Sendable, Equatable {
        case send
        case wait
        case endBody(StreamSegmentMachine.EndReason)
    }

    /// What a report meant.
    public enum Receipt: Sendable {
        /// The record's outcome.
        case settled(DeliveryReport)
        /// Refused for now: it waits in the retry queue. `sentAt`: when it was written.
        case refused(Refusal, sentAt: ContinuousClock.Instant)
        /// Refused again past the delivery timeout: its final outcome.
        case expired(DeliveryReport, Refusal)
        /// The report matched no record in flight (a server fault): ignored.
        case unmatched
    }

    /// How a segment's response ended.
    public enum Ending: Sendable {
        /// The proxy ended the stream: unreported records may or may not be stored.
        case ended
        /// The exchange broke or failed: unreported records get `outcome`.
        case broke(Outcome)
        /// The whole request was refused before anything was produced (429, 503).
        case refused(Refusal)
        /// The gateway refused a chunked body (411): nothing produced; use Content-Length.
        case chunkedRefused
        /// The gateway refused the body's size (413): nothing produced; smaller segments.
        case tooLarge(Outcome)
        /// The gateway gave up on the request (504): records unknown; shorter segments.
        case timedOut(Outcome)
    }

    struct Segment: Sendable {
        var machine: StreamSegmentMachine
        var reportsBeforeEnd = 0
        var reportsAfterEnd = 0
        /// The response is over or the proxy is closing: nothing more may be written.
        var closed = false
        var refusals = 0
        /// Why the writer ended the body.
        var endReason: StreamSegmentMachine.EndReason?
    }

    public let settings: Settings
    public private(set) var window: AdaptiveWindow
    public private(set) var mode: Mode = .probing
    /// The gateway refused chunked bodies: segments go with a Content-Length.
    public private(set) var contentLength = false
    public private(set) var byteCap: Int
    public private(set) var secondsCap: Double
    /// Records per segment when a gateway buffers.
    public private(set) var bufferedTarget: Int
    public private(set) var inFlight = 0
    public private(set) var inFlightBytes = 0
    /// The most records unanswered at once: how far the window opened.
    public private(set) var peakInFlight = 0
    /// Segments opened so far.
    public var segmentsOpened: Int { nextSegment - 1 }
    private var segments: [Int: Segment] = [:]
    private var nextSegment = 1
    private var retry = Deque<StreamRecord>()

    public init(settings: Settings) {
        self.settings = settings
        let stream = settings.stream
        if let fixed = settings.fixedWindow {
            window = AdaptiveWindow(fixed: fixed)
        } else {
            window = AdaptiveWindow(maximum: max(AdaptiveWindow.initialSize, stream.segmentRecords * settings.maximumOpenDuplex))
        }
        byteCap = stream.segmentBytes
        secondsCap = stream.segmentSeconds
        bufferedTarget = min(stream.segmentRecords, max(64, window.size))
    }

    // MARK: Segments

    public var openSegments: Int { segments.count }
    public var retryCount: Int { retry.count }
    public var isIdle: Bool { segments.isEmpty && retry.isEmpty }

    var maximumOpen: Int {
        switch mode {
        case .probing: 1
        case .duplex: settings.maximumOpenDuplex
        case .buffered: settings.maximumOpenBuffered
        }
    }

    /// Whether a new segment may start now.
    public var mayOpenSegment: Bool {
        segments.values.filter { !$0.machine.bodyEnded }.isEmpty && segments.count < maximumOpen
    }

    public mutating func openSegment(now: ContinuousClock.Instant) -> Int {
        let id = nextSegment
        nextSegment += 1
        var limits = StreamSegmentMachine.Limits(settings.stream)
        limits.bytes = byteCap
        limits.seconds = secondsCap
        if mode == .buffered || contentLength { limits.records = min(limits.records, bufferedTarget) }
        segments[id] = Segment(machine: StreamSegmentMachine(limits: limits, now: now))
        return id
    }

    /// Records unanswered that the window allows, across segments.
    var windowLimit: Int {
        if mode == .buffered || contentLength {
            return window.isFixed ? window.size : bufferedTarget * settings.maximumOpenBuffered
        }
        return window.size
    }

    /// What the stream found about the path, for the operator: how many requests, how far
    /// the window opened, and whether a gateway buffers or refuses chunked bodies.
    public var pathSummary: String {
        let requests = "\(segmentsOpened) request\(segmentsOpened == 1 ? "" : "s")"
        let window = window.isFixed ? "window \(window.size), fixed" : "adaptive window"
        let unanswered = "up to \(peakInFlight) records unanswered (\(window))"
        switch (mode, contentLength) {
        case (_, true):
            return "stream: \(requests); the gateway refuses chunked bodies: Content-Length requests of up to \(bufferedTarget) records, \(unanswered)"
        case (.buffered, false):
            return "stream: \(requests); the gateway buffers request bodies: requests of up to \(bufferedTarget) records, \(settings.maximumOpenBuffered) at once, \(unanswered)"
        default:
            return "stream: \(requests), \(unanswered)"
        }
    }

    // MARK: Writing

    /// Whether segment `id` may write a record of `bytes` bytes now.
    public func decide(segment id: Int, nextRecordBytes bytes: Int, now: ContinuousClock.Instant) -> Decision {
        guard let segment = segments[id], !segment.machine.bodyEnded else { return .endBody(.closing) }
        if segment.closed { return .endBody(.closing) }
        if let reason = segment.machine.limitReached(nextRecordBytes: bytes, now: now) { return .endBody(reason) }
        let full = inFlight >= windowLimit || (inFlight > 0 && inFlightBytes + bytes > settings.stream.maximumInFlightBytes)
        guard full else { return .send }
        let machine = segment.machine
        if mode == .buffered || contentLength {
            // Holding a buffered body open releases nothing: send what it has.
            return machine.sentRecords > 0 ? .endBody(.windowFull) : .wait
        }
        if machine.isStalled(now: now) { return .endBody(.stalled) }
        if mode == .probing, segment.reportsBeforeEnd == 0, let first = machine.firstSentAt, now - first >= settings.probe {
            return .endBody(.probe)
        }
        return .wait
    }

    /// Decides and, when the answer is `.send`, records the send, in one step: a segment that
    /// ended meanwhile never takes a record that would then have no outcome.
    public mutating func admit(segment id: Int, _ record: StreamRecord, now: ContinuousClock.Instant) -> Decision {
        let decision = decide(segment: id, nextRecordBytes: record.bytes.count, now: now)
        if decision == .send { didSend(segment: id, record, now: now) }
        return decision
    }

    mutating func didSend(segment id: Int, _ record: StreamRecord, now: ContinuousClock.Instant) {
        var record = record
        if record.firstSent == nil { record.firstSent = now }
        segments[id]?.machine.didSend(record, now: now)
        inFlight += 1
        inFlightBytes += record.bytes.count
        peakInFlight = max(peakInFlight, inFlight)
        if !window.isFixed {
            let average = max(1, inFlightBytes / max(1, inFlight))
            window.cap(max(AdaptiveWindow.initialSize, settings.stream.maximumInFlightBytes / average))
        }
    }

    /// The response of segment `id` came with an error status: write nothing more into it.
    public mutating func close(segment id: Int) {
        segments[id]?.closed = true
    }

    public mutating func didEndBody(segment id: Int, reason: StreamSegmentMachine.EndReason) {
        segments[id]?.machine.didEndBody()
        segments[id]?.endReason = reason
    }

    /// Whether segment `id` has no record written yet.
    public func isEmpty(segment id: Int) -> Bool {
        (segments[id]?.machine.sentRecords ?? 0) == 0
    }

    /// The next record waiting to be sent again, if any.
    public mutating func takeRetry() -> StreamRecord? {
        retry.popFirst()
    }

    /// A record taken from the retry queue that could not be written yet goes back first.
    public mutating func putBack(_ record: StreamRecord) {
        retry.prepend(record)
    }

    /// Whether `record` was first sent longer ago than the delivery timeout.
    public func isExpired(_ record: StreamRecord, now: ContinuousClock.Instant) -> Bool {
        record.firstSent.map { now - $0 >= settings.deliveryTimeout } ?? false
    }

    public var hasRetry: Bool { !retry.isEmpty }

    // MARK: Reading

    public mutating func didReceive(segment id: Int, _ outcome: Outcome, now: ContinuousClock.Instant) -> Receipt {
        // Taken out of the dictionary while it changes: a copy left in it would make the
        // machine's queue of records in flight copy itself on every report (O(window) each).
        guard var segment = segments.removeValue(forKey: id) else { return .unmatched }
        defer { segments[id] = segment }
        guard let (record, latency) = segment.machine.didReceive(now: now) else { return .unmatched }
        inFlight -= 1
        inFlightBytes -= record.bytes.count
        if segment.machine.bodyEnded {
            segment.reportsAfterEnd += 1
        } else {
            segment.reportsBeforeEnd += 1
            if mode != .duplex && !contentLength { mode = .duplex }
        }
        if mode == .duplex { window.didReport(latencyMilliseconds: latency, at: now) }
        if case .failed(let code, let message) = outcome, let refusal = Refusal.record(code: code, message: message) {
            segment.refusals += 1
            if refusal.kind == .streamExpired {
                // The proxy closes a stream after its 408s: write no more into it, and keep
                // the next ones shorter than this one lived.
                segment.closed = true
                secondsCap = min(secondsCap, max(0.1, (now - segment.machine.startedAt).inMilliseconds / 1000 * 0.8))
            }
            return requeue(record, refusal, now: now, sentAt: now - .milliseconds(Int64(latency)))
        }
        return .settled(DeliveryReport(seq: record.seq, outcome: outcome, latencyMilliseconds: latency))
    }

    /// Segment `id`'s response is over: what it left in flight gets its outcome or goes back
    /// in the queue. Returns the outcomes (refused past the timeout, unknown, failed).
    public mutating func didFinish(segment id: Int, _ ending: Ending, now: ContinuousClock.Instant) -> [DeliveryReport] {
        guard var segment = segments.removeValue(forKey: id) else { return [] }
        let elapsed = (now - segment.machine.startedAt).inMilliseconds / 1000
        let sentBytes = segment.machine.sentBytes
        let left = segment.machine.finish()
        inFlight -= left.count
        inFlightBytes -= left.reduce(0) { $0 + $1.bytes.count }
        // A body held open with the window full got no report; once ended, reports came: a
        // gateway buffers bodies. (A body that ended for another reason proves nothing.)
        if mode == .probing, segment.reportsBeforeEnd == 0, segment.reportsAfterEnd > 0,
           segment.endReason == .probe || segment.endReason == .stalled {
            mode = .buffered
            bufferedTarget = min(settings.stream.segmentRecords, max(bufferedTarget, segment.reportsAfterEnd))
        }
        if mode == .buffered || contentLength, segment.refusals == 0, left.isEmpty, segment.reportsAfterEnd > 0,
           segment.machine.sentRecords >= bufferedTarget {
            // A full segment went through whole: the next ones may be bigger.
            bufferedTarget = min(settings.stream.segmentRecords, bufferedTarget * 2)
        }
        var reports: [DeliveryReport] = []
        func requeueAll(_ refusal: Refusal) {
            for record in left {
                if case .expired(let report, _) = requeue(record, refusal, now: now) { reports.append(report) }
            }
        }
        switch ending {
        case .ended:
            let outcome = Outcome.unknown(message: "the proxy ended the stream before reporting this record")
            reports += left.map { DeliveryReport(seq: $0.seq, outcome: outcome) }
        case .broke(let outcome), .timedOut(let outcome):
            if case .timedOut = ending { secondsCap = max(1, min(secondsCap, elapsed / 2)) }
            reports += left.map { DeliveryReport(seq: $0.seq, outcome: outcome) }
        case .refused(let refusal):
            requeueAll(refusal)
        case .chunkedRefused:
            contentLength = true
            mode = .buffered
            requeueAll(Refusal(kind: .unavailable, code: 411, message: "the gateway refused a chunked body (411 Length Required)"))
        case .tooLarge(let outcome):
            if left.count <= 1 {
                // One record alone is over the gateway's limit: sending it again cannot help.
                reports += left.map { DeliveryReport(seq: $0.seq, outcome: outcome) }
            } else {
                byteCap = max(1024, min(byteCap, sentBytes / 2))
                bufferedTarget = max(1, min(bufferedTarget, left.count / 2))
                requeueAll(Refusal(kind: .unavailable, code: 413, message: "the gateway refused a body of \(sentBytes) bytes (413)"))
            }
        }
        return reports
    }

    /// The send stops: records waiting to be sent again were never stored; they fail with
    /// the refusal they last got.
    public mutating func abandonRetries(because reason: String) -> [DeliveryReport] {
        defer { retry.removeAll() }
        return retry.map { record in
            let last = record.lastRefusal.map { "\($0.message) (code \($0.code))" } ?? "refused"
            return DeliveryReport(seq: record.seq, outcome: .failed(code: record.lastRefusal?.code ?? 429,
                                                                    message: "\(reason) before it was sent again; never stored (last refusal: \(last))"))
        }
    }

    private mutating func requeue(_ record: StreamRecord, _ refusal: Refusal, now: ContinuousClock.Instant,
                                  sentAt: ContinuousClock.Instant? = nil) -> Receipt {
        var record = record
        record.lastRefusal = refusal
        if let first = record.firstSent, now - first >= settings.deliveryTimeout {
            return .expired(DeliveryReport(seq: record.seq, outcome: refusal.finalOutcome), refusal)
        }
        retry.append(record)
        return .refused(refusal, sentAt: sentAt ?? now)
    }
}
