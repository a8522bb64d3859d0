import Foundation
import Synchronization

/// Builds a `LoadReport` as a send goes: bytes from the records read, latencies from the
/// outcomes, the first `warmupRecords` apart. A phase's time runs from its first record read
/// to the next phase's first (or the end). Fixed memory: two histograms and counters.
public final class LoadReportSink: SendSink {
    private struct State {
        var report = LoadReport()
        var started: [ContinuousClock.Instant?] = [nil, nil]
        var finished: ContinuousClock.Instant?
    }

    private let warmupRecords: Int
    private let state = Mutex(State())
    /// Bytes read per phase: counted without the lock, which every record would take.
    private let warmupBytes = Atomic<Int>(0)
    private let measuredBytes = Atomic<Int>(0)
    private let warmupStarted = Atomic<Bool>(false)
    private let measuredStarted = Atomic<Bool>(false)

    public init(warmupRecords: Int = 0) {
        self.warmupRecords = max(0, warmupRecords)
        state.withLock {
            $0.report.warmupRecords = self.warmupRecords
            if self.warmupRecords > 0 { $0.report.warmup = LoadReport.Phase() }
        }
    }

    public var wantsRecords: Bool { true }
    public var takesRecordsReadAhead: Bool { true }

    public func willSend(seq: Int, record: EventRecord) {
        let warmup = seq <= warmupRecords
        if warmup { warmupBytes.add(record.approximateSize, ordering: .relaxed) } else { measuredBytes.add(record.approximateSize, ordering: .relaxed) }
        // The clock and the lock once per phase, not per record.
        let first = warmup ? !warmupStarted.exchange(true, ordering: .relaxed) : !measuredStarted.exchange(true, ordering: .relaxed)
        guard first else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            if state.started[warmup ? 0 : 1] == nil { state.started[warmup ? 0 : 1] = now }
        }
    }

    public func didReport(_ reports: [DeliveryReport]) {
        state.withLock { state in
            for report in reports {
                if report.seq <= warmupRecords, state.report.warmup != nil {
                    Self.count(report, into: &state.report.warmup!)
                } else {
                    Self.count(report, into: &state.report.measured)
                }
            }
        }
    }

    public func didDeliver(_ range: DeliveredRange) {
        state.withLock { state in
            for position in 0..<range.count {
                let warmup = range.firstSeq + position <= warmupRecords && state.report.warmup != nil
                let latency = range.latenciesMs?[position]
                if warmup {
                    state.report.warmup!.delivered += 1
                    if let latency { state.report.warmup!.latency.record(latency) }
                } else {
                    state.report.measured.delivered += 1
                    if let latency { state.report.measured.latency.record(latency) }
                }
            }
        }
    }

    public func didFinish(_ result: SendResult) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.finished = now
            state.report.stopReason = result.stopReason
        }
    }

    private static func count(_ report: DeliveryReport, into phase: inout LoadReport.Phase) {
        switch report.outcome {
        case .delivered: phase.delivered += 1
        case .failed: phase.failed += 1
        case .unknown: phase.unknown += 1
        }
        if let latency = report.latencyMilliseconds { phase.latency.record(latency) }
    }

    /// The report so far (complete once the send finished).
    public var report: LoadReport {
        let now = ContinuousClock.now
        return state.withLock { state in
            var report = state.report
            report.warmup?.bytes = warmupBytes.load(ordering: .relaxed)
            report.measured.bytes = measuredBytes.load(ordering: .relaxed)
            let end = state.finished ?? now
            if let warmupStart = state.started[0] {
                report.warmup?.seconds = ((state.started[1] ?? end) - warmupStart).inMilliseconds / 1000
            }
            if let start = state.started[1] {
                report.measured.seconds = (end - start).inMilliseconds / 1000
            }
            return report
        }
    }
}
