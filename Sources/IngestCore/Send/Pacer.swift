/// Paces records to a rate: waits so that the n-th record goes no earlier than n intervals
/// after the first, catching up at most 100 ms after a pause.
struct Pacer {
    let interval: Duration?
    private var next = ContinuousClock.now

    var isPacing: Bool { interval != nil }

    init(ratePerSecond: Double?) {
        interval = ratePerSecond.map { .seconds(1 / max($0, 0.001)) }
    }

    mutating func wait() async throws {
        guard let interval else { return }
        let now = ContinuousClock.now
        if next > now { try await Task.sleep(until: next, clock: .continuous) }
        next = max(next, now - .milliseconds(100)) + interval
    }
}
