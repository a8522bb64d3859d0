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
        counted(seq: seq, bytes: record.approximateSize)
    }

    public func willReadAhead(seq: Int, value: UnsafeRawBufferPointer, type: ValueType) {
        counted(seq: seq, bytes: value.count)
    }

    private func counted(seq: Int, bytes: Int) {
        let warmup = seq <= warmupRecords
        if warmup { warmupBytes.add(bytes, ordering: .relaxed) } else { measuredBytes.add(bytes, ordering: .relaxed) }
        // A load first: the exchange is a locked instruction, on every record otherwise.
        let first = warmup
            ? !warmupStarted.load(ordering: .relaxed) && !warmupStarted.exchange(true, ordering: .relaxed)
            : !measuredStarted.load(ordering: .relaxed) && !measuredStarted.exchange(true, ordering: .relaxed)
        guard first else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            if state.started[warmup ? 0 : 1] == nil { state.started[warmup ? 0 : 1] = now }
        }
    }

    public func didReport(_ reports: [DeliveryReport]) {
        state.withLock { state in
            for report in reports {
                state.report.updatePhase(of: report.seq, warmupRecords: warmupRecords) {
                    $0.count(report.outcome, latency: report.latencyMilliseconds)
                }
            }
        }
    }

    public func didDeliver(_ range: DeliveredRange) {
        state.withLock { state in
            for position in 0..<range.count {
                state.report.updatePhase(of: range.firstSeq + position, warmupRecords: warmupRecords) {
                    $0.countDelivered(latency: range.latenciesMs?[position])
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

extension LoadReport {
    /// Changes the phase record `seq` counts in: the warmup's first `warmupRecords`, when there is one.
    fileprivate mutating func updatePhase(of seq: Int, warmupRecords: Int, _ body: (inout Phase) -> Void) {
        if seq <= warmupRecords, warmup != nil { body(&warmup!) } else { body(&measured) }
    }
}

extension LoadReport.Phase {
    fileprivate mutating func count(_ outcome: Outcome, latency: Double?) {
        switch outcome {
        case .delivered: return countDelivered(latency: latency)
        case .failed: failed += 1
        case .unknown: unknown += 1
        }
        if let latency { self.latency.record(latency) }
    }

    fileprivate mutating func countDelivered(latency: Double?) {
        delivered += 1
        if let latency { self.latency.record(latency) }
    }
}
