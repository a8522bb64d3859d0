import Synchronization

/// A send's `RateGovernor` behind a lock, and the sleeping it asks for. Shared by everything
/// that sends for one run (concurrent requests, a stream's writer), so that a refusal seen by
/// one slows them all. Each refusal's totals go to the run's sinks.
final class SendThrottle: Sendable {
    private let governor: Mutex<RateGovernor>
    private let run: SendRun

    init(run: SendRun, now: ContinuousClock.Instant = .now) {
        self.run = run
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
        let at = governor.withLock { $0.reserve(now: .now) }
        if let deadline, at > deadline {
            try await Task.sleep(until: max(deadline, ContinuousClock.now), clock: .continuous)
            return false
        }
        if at > .now { try await Task.sleep(until: at, clock: .continuous) }
        while let until = blockedUntil {
            if let deadline, until > deadline {
                try await Task.sleep(until: max(deadline, ContinuousClock.now), clock: .continuous)
                return false
            }
            try await Task.sleep(until: until, clock: .continuous)
        }
        return true
    }

    /// The next unit may go now (no wait), reserving it; otherwise nothing is reserved.
    func tryAcquire() -> Bool {
        governor.withLock { governor in
            let now = ContinuousClock.now
            guard governor.blockedUntil <= now else { return false }
            guard governor.rate != nil else {
                _ = governor.reserve(now: now)
                return true
            }
            var probe = governor
            guard probe.reserve(now: now) <= now else { return false }
            governor = probe
            return true
        }
    }

    func accepted() {
        governor.withLock { $0.didAccept(now: .now) }
    }

    /// `cutRate` false: pause only (a stream's whole request refused, where units are records).
    func refused(_ refusal: Refusal, cutRate: Bool = true) {
        let summary = governor.withLock { governor -> ThrottleSummary in
            governor.didRefuse(refusal, now: .now, jitter: Double.random(in: 0..<1), cutRate: cutRate)
            return governor.summary
        }
        run.throttled(summary)
    }
}
