import IngestModel
import Synchronization

/// A token bucket, as gateways and kafka-rest's rate limiter keep one: `rate` tokens a second,
/// at most `burst` saved up. Shared by every connection, so it is its own lock.
final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Double
    private let state: Mutex<State>

    init(rate: Double, burst: Int) {
        self.rate = max(rate, 0.001)
        self.burst = Double(max(1, burst))
        self.state = Mutex(State(tokens: Double(max(1, burst)), updated: .now))
    }

    /// Takes one token if there is one; otherwise says how long until there will be.
    func take(now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            let elapsed = now - state.updated
            state.tokens = min(burst, state.tokens + elapsed.inMilliseconds / 1000 * rate)
            state.updated = now
            if state.tokens >= 1 {
                state.tokens -= 1
                return nil
            }
            return .seconds((1 - state.tokens) / rate)
        }
    }
}
