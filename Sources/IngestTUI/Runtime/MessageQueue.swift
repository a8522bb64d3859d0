import Synchronization

/// The console's one message queue. Producers (terminal thread, service tasks, timers) post;
/// the loop takes everything queued at once and redraws once per batch, so redraws are skipped
/// while messages are still queued. Send events of one send queued together become one message
/// (appended in amortised O(1), so a fast send cannot make posting quadratic).
final class MessageQueue: Sendable {
    private enum Entry {
        case message(Msg)
        case sendBatch(id: Int)
    }

    private struct State {
        var entries: [Entry] = []
        var sendBuffers: [Int: (events: [SendEvent], now: Double)] = [:]
        var waiter: CheckedContinuation<[Msg], Never>?

        mutating func drain() -> [Msg] {
            let out: [Msg] = entries.map { e in
                switch e {
                case .message(let m): return m
                case .sendBatch(let id):
                    let b = sendBuffers[id]!
                    return .sendEvents(id: id, b.events, now: b.now)
                }
            }
            entries = []
            sendBuffers = [:]
            return out
        }
    }

    private let state = Mutex(State())

    func post(_ msg: Msg) {
        let wake = state.withLock { state -> (CheckedContinuation<[Msg], Never>, [Msg])? in
            if case .sendEvents(let id, let events, let now) = msg {
                if state.sendBuffers[id] != nil {
                    state.sendBuffers[id]!.events.append(contentsOf: events)
                    state.sendBuffers[id]!.now = now
                } else {
                    state.sendBuffers[id] = (events, now)
                    state.entries.append(.sendBatch(id: id))
                }
            } else {
                state.entries.append(.message(msg))
            }
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.drain())
        }
        if let (waiter, batch) = wake { waiter.resume(returning: batch) }
    }

    /// Waits for at least one message and returns all queued; returns what is queued (maybe
    /// nothing) when the task is cancelled.
    func next() async -> [Msg] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<[Msg], Never>) in
                let ready = state.withLock { state -> [Msg]? in
                    if !state.entries.isEmpty || Task.isCancelled { return state.drain() }
                    state.waiter = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<[Msg], Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: [])
        }
    }

    /// Everything queued now, without waiting.
    func drainNow() -> [Msg] {
        state.withLock { $0.drain() }
    }
}
