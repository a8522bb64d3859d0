import Histogram

/// Latencies in milliseconds, recorded to the microsecond in an HdrHistogram: fixed memory,
/// exact counts, percentiles to three significant digits.
public struct LatencyStats: Sendable, Equatable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var count: Int { Int(histogram.totalCount) }

    public mutating func record(_ milliseconds: Double) {
        guard milliseconds.isFinite else { return }
        _ = histogram.record(UInt64(min(3_600_000_000, max(0, milliseconds * 1000))))
    }

    /// The latency at `percentile` (0...100), nil when nothing was recorded.
    public func percentile(_ percentile: Double) -> Double? {
        count == 0 ? nil : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    public var maximum: Double? { count == 0 ? nil : Double(histogram.maxRecorded) / 1000 }

    public mutating func add(_ other: LatencyStats) {
        histogram.add(other.histogram)
    }
}
