import Foundation

/// The console's one message queue. Producers (terminal thread, service tasks, timers) post;
/// the loop takes everything queued at once and redraws once per batch, so redraws are skipped
/// while messages are still queued. Consecutive send events of one send merge into one message.
final class MessageQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Msg] = []
    private var waiter: CheckedContinuation<[Msg], Never>?

    func post(_ msg: Msg) {
        lock.lock()
        if case .sendEvents(let id, let new, let now) = msg, case .sendEvents(let lastID, let old, _)? = items.last, lastID == id {
            items[items.count - 1] = .sendEvents(id: id, old + new, now: now)
        } else {
            items.append(msg)
        }
        let w = waiter
        var batch: [Msg] = []
        if w != nil {
            batch = items
            items = []
            waiter = nil
        }
        lock.unlock()
        w?.resume(returning: batch)
    }

    /// Waits for at least one message and returns all queued.
    func next() async -> [Msg] {
        await withCheckedContinuation { (c: CheckedContinuation<[Msg], Never>) in
            lock.lock()
            if !items.isEmpty {
                let batch = items
                items = []
                lock.unlock()
                c.resume(returning: batch)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}
