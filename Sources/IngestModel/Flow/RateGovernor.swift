/// How fast to send when a server throttles: unlimited until the first refusal, then a rate
/// found by additive increase and multiplicative decrease (AIMD, as TCP finds a link's
/// speed), and a pause after each refusal: Retry-After when the server gives one, else an
/// exponential backoff with jitter. Units are requests (single, batch) or records (a stream's
/// records). A value: the caller keeps it under its lock and sleeps where it says.
public struct RateGovernor: Sendable {
    public struct Settings: Sendable, Equatable {
        public var firstBackoff: Duration = .milliseconds(100)
        public var maximumBackoff: Duration = .seconds(10)
        /// The rate is cut to this share of itself on a refusal (0.7: a sawtooth between 70 %
        /// and 100 % of what the server allows, 85 % on average).
        public var decrease = 0.7
        /// Refusals within this time of a cut are one signal (requests in flight together).
        public var decreaseSpacing: Duration = .milliseconds(100)
        /// Per second, the rate grows by this share of the rate it had when last refused: back
        /// to it a second after a cut.
        public var increase = 0.3
        public var minimumRate = 0.5
        public init() {}
    }

    public let settings: Settings
    /// Units per second allowed; nil while no refusal came.
    public private(set) var rate: Double?
    /// Nothing goes before this instant (a backoff or Retry-After).
    public private(set) var blockedUntil: ContinuousClock.Instant
    public private(set) var summary = ThrottleSummary()
    private var nextAt: ContinuousClock.Instant
    private var consecutiveRefusals = 0
    private var lastSignal: ContinuousClock.Instant?
    private var lastIncrease: ContinuousClock.Instant
    /// The rate when last refused: what the increase is scaled to.
    private var ceiling = 1.0
    /// Units granted in the current second and the one before it (if any), to know the rate in use.
    private var granted: (start: ContinuousClock.Instant, current: Int, previous: Int, previousStart: ContinuousClock.Instant?)

    public init(settings: Settings = Settings(), now: ContinuousClock.Instant) {
        self.settings = settings
        self.blockedUntil = now
        self.nextAt = now
        self.lastIncrease = now
        self.granted = (now, 0, 0, nil)
    }

    /// Takes the next unit's turn if it is due: nil when the unit may go now (the turn is
    /// taken), else when to ask again. Turns are not booked ahead, so that units waiting out
    /// a pause do not all go at once when it ends.
    public mutating func take(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let due = rate == nil ? blockedUntil : max(blockedUntil, nextAt)
        guard due <= now else { return due }
        if let rate { nextAt = max(nextAt, now) + .seconds(1 / rate) }
        count(now)
        return nil
    }

    /// The server took a unit: the rate creeps up.
    public mutating func didAccept(now: ContinuousClock.Instant) {
        consecutiveRefusals = 0
        guard var rate else { return }
        let elapsed = now - lastIncrease
        rate += ceiling * settings.increase * elapsed.inMilliseconds / 1000
        lastIncrease = now
        self.rate = rate
    }

    /// The server refused: cut the rate (once per burst of refusals) and pause. `jitter` in
    /// 0..<1 spreads the pauses of concurrent senders. `cutRate` false only pauses (a refusal
    /// of something else than these units: a stream's request, when units are records).
    /// Returns the pause.
    /// `sentAt`: when the refused unit went; a unit sent before the last cut says nothing new
    /// (it went at the old rate), so it neither cuts nor pauses again.
    @discardableResult
    public mutating func didRefuse(_ refusal: Refusal, now: ContinuousClock.Instant, sentAt: ContinuousClock.Instant? = nil,
                                   jitter: Double, cutRate: Bool = true) -> Duration {
        summary.times += 1
        if let sentAt, let lastSignal, sentAt < lastSignal { return .zero }
        // Units refused together (requests in flight at once) are one signal: one cut, one
        // step of the backoff.
        if lastSignal.map({ now - $0 >= settings.decreaseSpacing }) ?? true {
            lastSignal = now
            consecutiveRefusals += 1
            if cutRate {
                let current = rate ?? max(settings.minimumRate, observedRate(now))
                ceiling = max(settings.minimumRate, current)
                rate = max(settings.minimumRate, current * settings.decrease)
                lastIncrease = now
                nextAt = max(nextAt, now)
            }
        }
        let pause: Duration
        if let retryAfter = refusal.retryAfter {
            pause = retryAfter
        } else {
            let exponent = min(max(0, consecutiveRefusals - 1), 16)
            let base = min(settings.maximumBackoff, settings.firstBackoff * (1 << exponent))
            // Full jitter in the upper half: never less than half the backoff.
            pause = base * (0.5 + 0.5 * min(max(jitter, 0), 1))
        }
        let until = now + pause
        if until > blockedUntil {
            summary.waitedSeconds += (until - max(blockedUntil, now)).inMilliseconds / 1000
            blockedUntil = until
        }
        return pause
    }

    /// Units per second granted lately.
    func observedRate(_ now: ContinuousClock.Instant) -> Double {
        let since = (now - (granted.previousStart ?? granted.start)).inMilliseconds / 1000
        // At least a quarter second: a burst at the start is not a rate.
        return Double(granted.previous + granted.current) / max(0.25, since)
    }

    private mutating func count(_ now: ContinuousClock.Instant) {
        if now - granted.start >= .seconds(1) {
            let recent = now - granted.start < .seconds(2)
            granted = (now, 0, recent ? granted.current : 0, recent ? granted.start : nil)
        }
        granted.current += 1
    }
}
