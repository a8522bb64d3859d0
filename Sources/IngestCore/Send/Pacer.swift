import Synchronization

/// Paces records to a rate: waits so that the n-th record goes no earlier than n intervals
/// after the first, catching up at most 100 ms after a pause.
struct Pacer {
    let interval: Duration?
    private var next = ContinuousClock.now

    var isPacing: Bool { interval != nil }

    init(ratePerSecond: Double?) {
        interval = ratePerSecond.map { .seconds(1 / max($0, 0.001)) }
    }

    /// When the next record may go, reserving its turn.
    mutating func reserve(now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        guard let interval else { return now }
        let at = max(next, now)
        next = max(next, now - .milliseconds(100)) + interval
        return at
    }

    mutating func wait() async throws {
        // Unpaced: no clock read (two per record otherwise, a few percent of a native send).
        guard interval != nil else { return }
        let at = reserve()
        if at > .now { try await Task.sleep(until: at, clock: .continuous) }
    }
}

/// A `Pacer` shared by tasks sending at the same time: each takes the next turn.
final class SharedPacer: Sendable {
    private let pacer: Mutex<Pacer>
    let isPacing: Bool

    init(ratePerSecond: Double?) {
        let pacer = Pacer(ratePerSecond: ratePerSecond)
        isPacing = pacer.isPacing
        self.pacer = Mutex(pacer)
    }

    func wait() async throws {
        guard isPacing else { return }
        let at = pacer.withLock { $0.reserve() }
        if at > .now { try await Task.sleep(until: at, clock: .continuous) }
    }
}
