/// Tasks waiting for a condition on state kept behind a lock, each with an id so that a
/// cancelled task can take its own continuation out and return at once.
struct Waiters: Sendable {
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextID = 0

    var isEmpty: Bool { waiting.isEmpty }

    mutating func newID() -> Int {
        nextID += 1
        return nextID
    }

    mutating func add(_ id: Int, _ continuation: CheckedContinuation<Void, Never>) {
        waiting[id] = continuation
    }

    /// The waiter's continuation, if it still waits (nil when it was already resumed).
    mutating func remove(_ id: Int) -> CheckedContinuation<Void, Never>? {
        waiting.removeValue(forKey: id)
    }

    /// Every waiter, to be resumed outside the lock.
    mutating func takeAll() -> [CheckedContinuation<Void, Never>] {
        defer { waiting = [:] }
        return Array(waiting.values)
    }
}
