import Synchronization

/// A `Mutex` that closures and tasks can share (a `Mutex` itself cannot be captured). The
/// sandbox's own, as it does not depend on IngestCore (whose `Locked` is the same thing).
final class Protected<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }
}
