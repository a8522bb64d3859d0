import Foundation

/// Counts outcomes and refuses a second outcome for the same record, so that nothing is
/// counted twice whatever a server sends. Memory: one bit per record plus a histogram.
public struct DeliveryLedger: Sendable {
    public private(set) var delivered = 0
    public private(set) var failed = 0
    public private(set) var unknown = 0
    /// Reports that named a record that already had an outcome (a server fault); not counted.
    public private(set) var duplicates = 0
    public private(set) var latency = LatencyStats()
    private var resolved: [UInt64] = []

    public init() {}

    public var total: Int { delivered + failed + unknown }

    /// Returns false (and counts nothing) when `seq` already had an outcome.
    @discardableResult
    public mutating func record(_ report: DeliveryReport) -> Bool {
        let word = (report.seq - 1) >> 6, bit = UInt64(1) << UInt64((report.seq - 1) & 63)
        if word >= resolved.count { resolved.append(contentsOf: repeatElement(0, count: word - resolved.count + 1)) }
        guard resolved[word] & bit == 0 else {
            duplicates += 1
            return false
        }
        resolved[word] |= bit
        switch report.outcome {
        case .delivered: delivered += 1
        case .failed: failed += 1
        case .unknown: unknown += 1
        }
        if let milliseconds = report.latencyMilliseconds { latency.record(milliseconds) }
        return true
    }

    public func percentileMilliseconds(_ percentile: Double) -> Double? {
        latency.percentile(percentile)
    }

    public var summaryLine: String { "delivered \(delivered), failed \(failed), unknown \(unknown)" }
}
