import Synchronization

/// Where a send's records and outcomes go besides the ledger: the journal, JSON lines on
/// stdout, the console's rows. A sink sees every record once before it is sent (if it wants
/// records) and every outcome exactly once, in batches as they arrive.
public protocol SendSink: Sendable {
    /// Whether `willSend` should be called: reading records costs nothing for sinks that don't.
    var wantsRecords: Bool { get }
    /// Whether `willSend` may come as records are read ahead of sending (on the reading
    /// thread, up to a few thousand records early, and for records a stopped send never
    /// sends): true for sinks that only note what was read (the journal's digests, byte counts).
    var takesRecordsReadAhead: Bool { get }
    /// Record `seq` (1-based) was read and is about to be sent.
    func willSend(seq: Int, record: EventRecord)
    /// Record `seq` was read ahead (for sinks that take records read ahead), on the reading
    /// thread; by default `willSend`. What a sink keeps back here must be in place by
    /// `didReadAheadChunk`.
    func willReadAhead(seq: Int, record: EventRecord)
    /// The same for a record that is a plain value of `type`, its bytes borrowed (valid only
    /// during the call); by default built into a record.
    func willReadAhead(seq: Int, value: UnsafeRawBufferPointer, type: ValueType)
    /// The records read ahead since the last call are about to be handed to the sender:
    /// their outcomes may come from now on.
    func didReadAheadChunk()
    /// Outcomes, each exactly once; a batch is what arrived together (one answer, one read).
    func didReport(_ reports: [DeliveryReport])
    /// Records delivered together (a native send's answered batch), each exactly once, as
    /// one value; by default passed on as reports.
    func didDeliver(_ range: DeliveredRange)
    /// The server throttled the send again (429, 503): the totals so far.
    func didThrottle(_ summary: ThrottleSummary)
    /// The send ended; nothing follows.
    func didFinish(_ result: SendResult)
}

extension SendSink {
    public var wantsRecords: Bool { false }
    public var takesRecordsReadAhead: Bool { false }
    public func willSend(seq: Int, record: EventRecord) {}
    public func willReadAhead(seq: Int, record: EventRecord) { willSend(seq: seq, record: record) }
    public func willReadAhead(seq: Int, value: UnsafeRawBufferPointer, type: ValueType) {
        willReadAhead(seq: seq, record: EventRecord(value: Payload(type: type, data: Array(value))))
    }
    public func didReadAheadChunk() {}
    public func didThrottle(_ summary: ThrottleSummary) {}
    public func didFinish(_ result: SendResult) {}
    public func didDeliver(_ range: DeliveredRange) { didReport(range.reports()) }
}

/// A send in progress: collects outcomes into the ledger and passes each one on exactly once,
/// whatever a server sends (a second outcome for a record is counted as a duplicate, never passed).
/// An `ordered` run passes outcomes on in record order (REST: requests in flight together and
/// records sent again come back out of order); the ledger counts them as they come.
public final class SendRun: Sendable {
    private let ledger = Mutex(DeliveryLedger())
    /// Also serializes the sinks' calls of an ordered run, so that order survives threads.
    private let order = Mutex(ReportOrder())
    private let ordered: Bool
    private let throttle = Mutex(ThrottleSummary())
    let sinks: [any SendSink]
    let recordSinks: [any SendSink]
    /// The record sinks that take records as they are read ahead, and the others.
    let readAheadSinks: [any SendSink]
    let sendTimeSinks: [any SendSink]

    public init(sinks: [any SendSink], ordered: Bool = false) {
        self.sinks = sinks
        self.recordSinks = sinks.filter(\.wantsRecords)
        self.readAheadSinks = recordSinks.filter(\.takesRecordsReadAhead)
        self.sendTimeSinks = recordSinks.filter { !$0.takesRecordsReadAhead }
        self.ordered = ordered
    }

    public var snapshot: DeliveryLedger { ledger.withLock { $0 } }
    public var throttleSummary: ThrottleSummary { throttle.withLock { $0 } }

    public func report(_ report: DeliveryReport) {
        self.report([report])
    }

    public func report(_ reports: [DeliveryReport]) {
        guard !reports.isEmpty else { return }
        let accepted = ledger.withLock { ledger -> [DeliveryReport] in
            // The usual batch is all new: passed on as it is, copied only from a first refusal on.
            var kept: [DeliveryReport]?
            for (index, report) in reports.enumerated() {
                if ledger.record(report) { kept?.append(report) } else if kept == nil { kept = Array(reports[..<index]) }
            }
            return kept ?? reports
        }
        guard !accepted.isEmpty else { return }
        guard ordered else {
            for sink in sinks { sink.didReport(accepted) }
            return
        }
        order.withLock { order in
            let ready = order.add(accepted)
            guard !ready.isEmpty else { return }
            for sink in sinks { sink.didReport(ready) }
        }
    }

    /// A delivered range, counted and passed on as one value: each sink writes its records
    /// without a report per record. An ordered run, or a range naming a record that already
    /// has an outcome (a server fault), goes report by report instead.
    public func report(_ range: DeliveredRange) {
        guard range.count > 0 else { return }
        guard !ordered, ledger.withLock({ $0.record(range) }) else {
            report(range.reports())
            return
        }
        for sink in sinks { sink.didDeliver(range) }
    }

    /// The throttle totals moved (sinks see the new totals).
    func throttled(_ summary: ThrottleSummary) {
        // Refusals are counted on many tasks: totals that arrive late (fewer times) are stale.
        // The sinks are told under the lock, so they see the totals grow, never shrink.
        throttle.withLock { current in
            guard summary.times > current.times else { return }
            current = summary
            for sink in sinks { sink.didThrottle(summary) }
        }
    }

    /// Record `seq` goes now. When the record sinks that take records read ahead saw it
    /// already (`didReadAhead`), only the others see it here.
    func willSend(seq: Int, record: EventRecord, readAhead: Bool = false) {
        for sink in readAhead ? sendTimeSinks : recordSinks { sink.willSend(seq: seq, record: record) }
    }

    /// Record `seq` was read ahead of sending: the record sinks that take it then.
    func didReadAhead(seq: Int, record: EventRecord) {
        // By index: `for sink in` would copy (retain and release) each sink, on every record.
        for index in readAheadSinks.indices { readAheadSinks[index].willReadAhead(seq: seq, record: record) }
    }

    func didReadAhead(seq: Int, value: UnsafeRawBufferPointer, type: ValueType) {
        for index in readAheadSinks.indices { readAheadSinks[index].willReadAhead(seq: seq, value: value, type: type) }
    }

    /// The records read ahead so far go to the sender now.
    func didReadAheadChunk() {
        for sink in readAheadSinks { sink.didReadAheadChunk() }
    }

    func finish(_ result: SendResult) {
        order.withLock { order in
            let held = order.drain()
            if !held.isEmpty { for sink in sinks { sink.didReport(held) } }
        }
        for sink in sinks { sink.didFinish(result) }
    }
}
