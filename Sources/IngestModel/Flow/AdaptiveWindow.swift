/// The stream's window of unanswered records, sized to the path: it doubles while reports
/// come back within the path's base round trip plus a tolerance (slow start), then creeps;
/// it shrinks when their latency shows records queueing in the proxy, but not below twice what
/// the path carries in its base round trip at the best recent delivery rate (BBR's in-flight cap:
/// less leaves the pipe part empty, more queues at most one round trip). Bounded by `maximum`
/// (the memory cap) and `minimum`. A fixed window (the profile's `[stream] window`, `--window`)
/// never moves.
public struct AdaptiveWindow: Sendable, Equatable {
    public private(set) var size: Int
    public let minimum: Int
    public private(set) var maximum: Int
    public let isFixed: Bool
    /// The lowest report latency seen: the path's round trip with nothing queued.
    public private(set) var baseMilliseconds: Double?
    /// The recent latency, smoothed.
    public private(set) var smoothedMilliseconds: Double?
    private var slowStart = true
    private var reportsSinceAdjust = 0
    private var lastAdjustAt: ContinuousClock.Instant?
    /// Reports per millisecond over the last few adjustments.
    private var recentRates: [Double] = []

    public static let initialSize = 64

    public init(fixed: Int) {
        size = max(1, fixed)
        minimum = size
        maximum = size
        isFixed = true
    }

    public init(initial: Int = AdaptiveWindow.initialSize, minimum: Int = 16, maximum: Int) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        size = min(self.maximum, max(self.minimum, initial))
        isFixed = false
    }

    /// Latency that still counts as "near the base": the base again (up to twice the round
    /// trip; a busy proxy's own work shows as latency too, and counting it as queueing kept the
    /// window at half what a 40 ms path carries), at least 10 ms, so that on loopback (a base
    /// well under a millisecond) the window may still grow to batch writes.
    var tolerance: Double { max(10, baseMilliseconds ?? 0) }

    /// Twice the records the path carries in its base round trip at the best recent rate (a
    /// maximum, as BBR's: a proxy that works in batches delivers more with more in flight, and
    /// the median of a few intervals left a 40 ms stream at 0.8x of loopback where this holds 1x).
    public var pipeFloor: Int {
        guard let base = baseMilliseconds, let best = recentRates.max() else { return minimum }
        return Int(2 * best * base)
    }

    /// A report came `latency` ms after its record was written; `now`, when given, measures
    /// the delivery rate.
    public mutating func didReport(latencyMilliseconds latency: Double, at now: ContinuousClock.Instant? = nil) {
        baseMilliseconds = min(baseMilliseconds ?? latency, latency)
        smoothedMilliseconds = smoothedMilliseconds.map { $0 * 0.875 + latency * 0.125 } ?? latency
        guard !isFixed else { return }
        reportsSinceAdjust += 1
        // About once per round trip: a window's worth of reports.
        guard reportsSinceAdjust >= max(8, size / 2), let base = baseMilliseconds, let smoothed = smoothedMilliseconds else { return }
        if let now {
            // Intervals too short to average out reports that arrive in bursts are skipped.
            if let last = lastAdjustAt, case let elapsed = (now - last).inMilliseconds, elapsed >= 5 {
                recentRates.append(Double(reportsSinceAdjust) / elapsed)
                if recentRates.count > 8 { recentRates.removeFirst() }
            }
            lastAdjustAt = now
        }
        reportsSinceAdjust = 0
        if smoothed <= base + tolerance {
            size = min(maximum, slowStart ? size * 2 : size + max(1, size / 8))
        } else if smoothed > base + 2 * tolerance {
            slowStart = false
            size = max(minimum, min(size, max(size * 3 / 4, pipeFloor)))
        }
    }

    /// The memory cap allows this many records (it moves with the records' size).
    public mutating func cap(_ records: Int) {
        guard !isFixed else { return }
        maximum = max(minimum, records)
        size = min(size, maximum)
    }

    /// Records were lost or refused en masse: start again carefully.
    public mutating func didStall() {
        guard !isFixed else { return }
        slowStart = false
        size = max(minimum, size / 2)
    }
}
