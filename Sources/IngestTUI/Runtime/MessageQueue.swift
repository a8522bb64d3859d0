import Foundation

/// The console's one message queue. Producers (terminal thread, service tasks, timers) post;
/// the loop takes everything queued at once and redraws once per batch, so redraws are skipped
/// while messages are still queued. Send events of one send queued together become one message
/// (appended in amortised O(1), so a fast send cannot make posting quadratic).
final class MessageQueue: @unchecked Sendable {
    private enum Entry {
        case message(Msg)
        case sendBatch(id: Int)
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var sendBuffers: [Int: (events: [SendEvent], now: Double)] = [:]
    private var waiter: CheckedContinuation<[Msg], Never>?

    func post(_ msg: Msg) {
        lock.lock()
        if case .sendEvents(let id, let events, let now) = msg {
            if sendBuffers[id] != nil {
                sendBuffers[id]!.events.append(contentsOf: events)
                sendBuffers[id]!.now = now
            } else {
                sendBuffers[id] = (events, now)
                entries.append(.sendBatch(id: id))
            }
        } else {
            entries.append(.message(msg))
        }
        var w: CheckedContinuation<[Msg], Never>? = nil
        var batch: [Msg] = []
        if let waiting = waiter {
            w = waiting
            waiter = nil
            batch = drainLocked()
        }
        lock.unlock()
        w?.resume(returning: batch)
    }

    /// Waits for at least one message and returns all queued.
    func next() async -> [Msg] {
        await withCheckedContinuation { (c: CheckedContinuation<[Msg], Never>) in
            lock.lock()
            if !entries.isEmpty {
                let batch = drainLocked()
                lock.unlock()
                c.resume(returning: batch)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }

    private func drainLocked() -> [Msg] {
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
