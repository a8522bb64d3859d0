import Synchronization

/// Where a send's records and outcomes go besides the ledger: the journal, JSON lines on
/// stdout, the console's rows. A sink sees every record once before it is sent (if it wants
/// records) and every outcome exactly once, in batches as they arrive.
public protocol SendSink: Sendable {
    /// Whether `willSend` should be called: reading records costs nothing for sinks that don't.
    var wantsRecords: Bool { get }
    /// Record `seq` (1-based) was read and is about to be sent.
    func willSend(seq: Int, record: EventRecord)
    /// Outcomes, each exactly once; a batch is what arrived together (one answer, one read).
    func didReport(_ reports: [DeliveryReport])
    /// The send ended; nothing follows.
    func didFinish(_ result: SendResult)
}

extension SendSink {
    public var wantsRecords: Bool { false }
    public func willSend(seq: Int, record: EventRecord) {}
    public func didFinish(_ result: SendResult) {}
}

/// A send in progress: collects outcomes into the ledger and passes each one on exactly once,
/// whatever a server sends (a second outcome for a record is counted as a duplicate, never passed).
public final class SendRun: Sendable {
    private let ledger = Mutex(DeliveryLedger())
    let sinks: [any SendSink]
    let recordSinks: [any SendSink]

    public init(sinks: [any SendSink]) {
        self.sinks = sinks
        self.recordSinks = sinks.filter(\.wantsRecords)
    }

    public var snapshot: DeliveryLedger { ledger.withLock { $0 } }

    public func report(_ report: DeliveryReport) {
        self.report([report])
    }

    public func report(_ reports: [DeliveryReport]) {
        guard !reports.isEmpty else { return }
        let accepted = ledger.withLock { ledger -> [DeliveryReport] in
            var accepted = reports
            accepted.removeAll { !ledger.record($0) }
            return accepted
        }
        guard !accepted.isEmpty else { return }
        for sink in sinks { sink.didReport(accepted) }
    }

    func willSend(seq: Int, record: EventRecord) {
        for sink in recordSinks { sink.willSend(seq: seq, record: record) }
    }

    func finish(_ result: SendResult) {
        for sink in sinks { sink.didFinish(result) }
    }
}
