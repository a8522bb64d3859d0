import DequeModule
import Synchronization

/// The reports of one stream, handed out in the order of their records whatever order Kafka
/// acknowledges them in: records are produced concurrently and reported in order, as
/// kafka-rest does. The reading side waits while too many records are unreported, so memory
/// stays bounded.
final class ReportSequencer: Sendable {
    struct Slot {
        var report: [UInt8]?
        /// The stream ends after this report (a syntax error, a 408).
        var final = false
    }

    private struct State {
        var slots = Deque<Slot>()
        /// Index of `slots.first`.
        var base = 0
        var inputFinished = false
        var writer: CheckedContinuation<Void, Never>?
        var reader: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = 20_000) {
        self.limit = limit
    }

    /// A place for the next record's report; its index.
    func assign() -> Int {
        state.withLock { state in
            state.slots.append(Slot())
            return state.base + state.slots.count - 1
        }
    }

    /// A place for the next record, with its report already known.
    func append(_ report: [UInt8], final: Bool = false) {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.slots.append(Slot(report: report, final: final))
            guard state.slots.count == 1 else { return nil }
            defer { state.writer = nil }
            return state.writer
        }
        writer?.resume()
    }

    func fill(_ index: Int, _ report: [UInt8], final: Bool = false) {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            let at = index - state.base
            guard at >= 0, at < state.slots.count else { return nil }
            state.slots[at] = Slot(report: report, final: final)
            guard at == 0 else { return nil }
            defer { state.writer = nil }
            return state.writer
        }
        writer?.resume()
    }

    /// No record comes after those assigned.
    func finishInput() {
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inputFinished = true
            defer { state.writer = nil }
            return state.writer
        }
        writer?.resume()
    }

    /// The reports ready in order (the second value: the stream ends after them); nil once
    /// every report was handed out and no record will come.
    func next() async -> (reports: [[UInt8]], final: Bool)? {
        while true {
            if Task.isCancelled { return nil }
            enum Step { case ready([[UInt8]], Bool), done, wait }
            let step = state.withLock { state -> (Step, CheckedContinuation<Void, Never>?) in
                var reports: [[UInt8]] = []
                var final = false
                while let first = state.slots.first, let report = first.report {
                    state.slots.removeFirst()
                    state.base += 1
                    reports.append(report)
                    if first.final {
                        final = true
                        break
                    }
                }
                if !reports.isEmpty {
                    defer { state.reader = nil }
                    return (.ready(reports, final), state.reader)
                }
                return (state.inputFinished && state.slots.isEmpty ? .done : .wait, nil)
            }
            step.1?.resume()
            switch step.0 {
            case .ready(let reports, let final): return (reports, final)
            case .done: return nil
            case .wait:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = state.withLock { state -> Bool in
                            if state.slots.first?.report != nil || (state.inputFinished && state.slots.isEmpty) || Task.isCancelled { return true }
                            state.writer = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    state.withLock { state -> CheckedContinuation<Void, Never>? in
                        defer { state.writer = nil }
                        return state.writer
                    }?.resume()
                }
            }
        }
    }

    /// Waits while `limit` records or more are unreported.
    func waitForRoom() async {
        while !Task.isCancelled {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if state.slots.count < limit || Task.isCancelled { return true }
                        state.reader = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.reader = nil }
                    return state.reader
                }?.resume()
            }
            if state.withLock({ $0.slots.count < limit }) { return }
        }
    }
}
