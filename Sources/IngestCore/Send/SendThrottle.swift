import Logging
import Synchronization

/// A send's `RateGovernor` behind a lock, and the sleeping it asks for. Shared by everything
/// that sends for one run (concurrent requests, a stream's writer), so that a refusal seen by
/// one slows them all. Each refusal's totals go to the run's sinks.
final class SendThrottle: Sendable {
    private let governor: Mutex<RateGovernor>
    private let run: SendRun
    private let logger: Logger?

    init(run: SendRun, logger: Logger? = nil, now: ContinuousClock.Instant = .now) {
        self.run = run
        self.logger = logger
        self.governor = Mutex(RateGovernor(now: now))
    }

    var summary: ThrottleSummary { governor.withLock { $0.summary } }

    /// Whether sending is paused right now (a backoff or Retry-After).
    var blockedUntil: ContinuousClock.Instant? {
        let until = governor.withLock { $0.blockedUntil }
        return until > .now ? until : nil
    }

    /// Waits until the next unit may go: the governor's rate, and any pause a refusal asked
    /// for. Returns false at `deadline` if that comes first (the unit's records ran out of time).
    @discardableResult
    func acquire(deadline: ContinuousClock.Instant? = nil) async throws -> Bool {
        while true {
            guard let wake = governor.withLock({ $0.take(now: .now) }) else { return true }
            if let deadline, wake > deadline {
                try await Task.sleep(until: max(deadline, ContinuousClock.now), clock: .continuous)
                return false
            }
            try await Task.sleep(until: wake, clock: .continuous)
        }
    }

    /// The next unit may go now (its turn taken); false: it must `acquire`.
    func tryAcquire() -> Bool {
        governor.withLock { $0.take(now: .now) == nil }
    }

    func accepted() {
        governor.withLock { $0.didAccept(now: .now) }
    }

    /// `cutRate` false: pause only (a stream's whole request refused, where units are records).
    /// `sentAt`: when the refused request or record went (see `RateGovernor.didRefuse`).
    func refused(_ refusal: Refusal, sentAt: ContinuousClock.Instant? = nil, cutRate: Bool = true) {
        let (summary, rate, pause) = governor.withLock { governor -> (ThrottleSummary, Double?, Duration) in
            let pause = governor.didRefuse(refusal, now: .now, sentAt: sentAt, jitter: Double.random(in: 0..<1), cutRate: cutRate)
            return (governor.summary, governor.rate, pause)
        }
        logger?.debug("refused for now", metadata: ["code": "\(refusal.code)", "rate": "\(rate.map { String(format: "%.1f/s", $0) } ?? "unlimited")",
                                                   "pause_ms": "\(Int(pause.inMilliseconds))", "times": "\(summary.times)"])
        run.throttled(summary)
    }
}
