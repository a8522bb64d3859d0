import Synchronization

/// Wakes one waiting task when something happened (a report arrived, the stream closed, a
/// watchdog ticked). A signal with nobody waiting is kept for the next wait; a cancelled wait
/// returns at once.
final class Wakeup: Sendable {
    private struct State {
        var flagged = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.flagged = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after the next `signal()` (at once if one came since the last wait), or when
    /// the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.flagged || Task.isCancelled {
                        state.flagged = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
