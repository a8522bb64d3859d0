import AsyncHTTPClient
import DequeModule
import Foundation
import NIOCore
import Synchronization

// Single and batch sends: up to `concurrency` requests in flight over kept-alive connections.
// Records the server refuses for now (429, 503, a per-record 429/42901) go again after a
// pause, within the delivery timeout; outcomes leave in record order (an ordered SendRun).
extension RestClient {
    func sendRequests(_ reader: RecordReader, mode: RestMode, path: String, topic: String, options: SendOptions,
                      throttle: SendThrottle, run: SendRun) async throws {
        let perRequest = mode == .batch ? profile.batchMaxEntries : 1
        let dispatch = RequestDispatch(
            client: self, batch: mode == .batch, path: path, topic: topic, perRequest: perRequest,
            deliveryTimeout: .seconds(options.deliveryTimeoutSeconds ?? SendOptions.defaultDeliveryTimeoutSeconds),
            pacer: SharedPacer(ratePerSecond: options.ratePerSecond.map { $0 / Double(perRequest) }),
            reader: reader, throttle: throttle, run: run)
        // On the connections' event loop: a request and its answer never change threads.
        try await withTaskExecutorPreference(requestExecutor) {
            try await dispatch.run(concurrency: max(1, options.concurrency ?? profile.concurrency))
        }
    }

    /// Errors that would hit every following record alike.
    static func stopsTheRun(_ error: RestError) -> Bool {
        switch error.kind {
        case .http(let status): return ![400, 408, 413, 422].contains(status)
        default: return true
        }
    }
}

final class RequestDispatch: Sendable {
    struct Entry: Sendable {
        let seq: Int
        let record: EventRecord
        var firstSent: ContinuousClock.Instant?
        var lastRefusal: Refusal?
    }

    private struct State {
        var retry = Deque<Entry>()
        var inFlight = 0
        var exhausted = false
        var perRequest: Int
        /// What ended the run early: a refusal that would hit every record, or bad input.
        var stop: (any Error)?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let client: RestClient
    let batch: Bool
    let path: String
    let topic: String
    let deliveryTimeout: Duration
    let pacer: SharedPacer
    let throttle: SendThrottle
    let run: SendRun
    // Read only under `state`'s lock.
    private let reader: RecordReader
    private let state: Mutex<State>

    init(client: RestClient, batch: Bool, path: String, topic: String, perRequest: Int, deliveryTimeout: Duration,
         pacer: SharedPacer, reader: RecordReader, throttle: SendThrottle, run: SendRun) {
        self.client = client
        self.batch = batch
        self.path = path
        self.topic = topic
        self.deliveryTimeout = deliveryTimeout
        self.pacer = pacer
        self.reader = reader
        self.throttle = throttle
        self.run = run
        self.state = Mutex(State(perRequest: perRequest))
    }

    func run(concurrency: Int) async throws {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { await self.work() }
            }
        }
        let (left, stop) = state.withLock { state in
            defer { state.retry.removeAll() }
            return (Array(state.retry), state.stop)
        }
        let reason = Task.isCancelled ? "stopped by the operator" : stop.map { "the send stopped (\($0))" } ?? "the send stopped"
        run.report(left.map { entry in
            let last = entry.lastRefusal.map { "\($0.message) (code \($0.code))" } ?? "refused"
            return DeliveryReport(seq: entry.seq, outcome: .failed(code: entry.lastRefusal?.code ?? 429,
                                                                   message: "\(reason) before it was sent again; never stored (last refusal: \(last))"))
        })
        if let stop { throw stop }
        if Task.isCancelled { throw CancellationError() }
    }

    private func work() async {
        while let job = await nextJob() {
            await send(job)
            let waiters = state.withLock { state in
                state.inFlight -= 1
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    private enum Take {
        case job([Entry])
        case wait
        case done
    }

    /// Entries refused for now whose delivery timeout passed while they waited: their outcomes.
    private func expire(_ state: inout State, now: ContinuousClock.Instant) -> [DeliveryReport] {
        var expired: [DeliveryReport] = []
        state.retry.removeAll { entry in
            guard let first = entry.firstSent, let refusal = entry.lastRefusal, now - first >= deliveryTimeout else { return false }
            expired.append(DeliveryReport(seq: entry.seq, outcome: refusal.finalOutcome))
            return true
        }
        return expired
    }

    /// The next request's records: refused ones first, then new ones; nil when nothing is left
    /// and nothing in flight could come back.
    private func nextJob() async -> [Entry]? {
        while true {
            let (take, expired) = state.withLock { state -> (Take, [DeliveryReport]) in
                if state.stop != nil || Task.isCancelled { return (.done, []) }
                let expired = expire(&state, now: .now)
                var entries: [Entry] = []
                while entries.count < state.perRequest, let entry = state.retry.popFirst() { entries.append(entry) }
                while entries.count < state.perRequest, !state.exhausted {
                    do {
                        guard let (seq, record) = try reader.next() else {
                            state.exhausted = true
                            break
                        }
                        entries.append(Entry(seq: seq, record: record))
                    } catch {
                        state.exhausted = true
                        state.stop = error
                    }
                }
                if !entries.isEmpty {
                    state.inFlight += 1
                    return (.job(entries), expired)
                }
                return (state.inFlight == 0 ? .done : .wait, expired)
            }
            run.report(expired)
            switch take {
            case .job(let entries): return entries
            case .done: return nil
            case .wait:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        // Checked again under the lock: a request that ended since must not be missed.
                        let now = state.withLock { state -> Bool in
                            if state.stop != nil || !state.retry.isEmpty || state.inFlight == 0 || Task.isCancelled { return true }
                            state.waiters.append(continuation)
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    state.withLock { state in
                        defer { state.waiters.removeAll() }
                        return state.waiters
                    }.forEach { $0.resume() }
                }
            }
        }
    }

    /// Entries refused for now go back to the queue, or fail past the delivery timeout.
    func requeue(_ entries: [Entry], _ refusal: Refusal, now: ContinuousClock.Instant) -> [DeliveryReport] {
        var expired: [DeliveryReport] = []
        var again: [Entry] = []
        for var entry in entries {
            entry.lastRefusal = refusal
            if let first = entry.firstSent, now - first >= deliveryTimeout {
                expired.append(DeliveryReport(seq: entry.seq, outcome: refusal.finalOutcome))
            } else {
                again.append(entry)
            }
        }
        state.withLock { $0.retry.append(contentsOf: again) }
        return expired
    }

    /// Entries whose delivery timeout passed before they could go again: failed with their last
    /// refusal; the others wait in the queue.
    func expire(_ entries: [Entry], now: ContinuousClock.Instant) -> [DeliveryReport] {
        var expired: [DeliveryReport] = []
        var left: [Entry] = []
        for entry in entries {
            if let first = entry.firstSent, let refusal = entry.lastRefusal, now - first >= deliveryTimeout {
                expired.append(DeliveryReport(seq: entry.seq, outcome: refusal.finalOutcome))
            } else {
                left.append(entry)
            }
        }
        putBack(left)
        return expired
    }

    /// Entries taken but not sent (stopped while waiting to send) wait at the front.
    func putBack(_ entries: [Entry]) {
        state.withLock { $0.retry.insert(contentsOf: entries, at: 0) }
    }

    /// The gateway refused a request's size: fewer records per request from now on.
    func halveRequests(_ count: Int) {
        state.withLock { $0.perRequest = max(1, min($0.perRequest, count / 2)) }
    }

    func stop(_ error: RestError) {
        state.withLock { state in
            if state.stop == nil { state.stop = error }
        }
    }
}
