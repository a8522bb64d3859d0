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

    /// Counts a delivered range as one; false (and counts nothing) when any of its records
    /// already had an outcome: then count it report by report, which names the duplicates.
    public mutating func record(_ range: DeliveredRange) -> Bool {
        guard range.count > 0 else { return true }
        makeRoom(for: range.seqs.last!)
        guard !range.seqs.contains(where: { isResolved($0) }) else { return false }
        for seq in range.seqs { resolve(seq) }
        delivered += range.count
        if let latencies = range.latenciesMs { for milliseconds in latencies { latency.record(milliseconds) } }
        return true
    }

    /// Returns false (and counts nothing) when `seq` already had an outcome.
    @discardableResult
    public mutating func record(_ report: DeliveryReport) -> Bool {
        makeRoom(for: report.seq)
        guard !isResolved(report.seq) else {
            duplicates += 1
            return false
        }
        resolve(report.seq)
        switch report.outcome {
        case .delivered: delivered += 1
        case .failed: failed += 1
        case .unknown: unknown += 1
        }
        if let milliseconds = report.latencyMilliseconds { latency.record(milliseconds) }
        return true
    }

    // One bit per seq (1-based), in words of 64.
    private mutating func makeRoom(for seq: Int) {
        let word = (seq - 1) >> 6
        if word >= resolved.count { resolved.append(contentsOf: repeatElement(0, count: word - resolved.count + 1)) }
    }

    private func isResolved(_ seq: Int) -> Bool { resolved[(seq - 1) >> 6] & (1 << UInt64((seq - 1) & 63)) != 0 }

    private mutating func resolve(_ seq: Int) { resolved[(seq - 1) >> 6] |= 1 << UInt64((seq - 1) & 63) }

    public func percentileMilliseconds(_ percentile: Double) -> Double? {
        latency.percentile(percentile)
    }

    public var summaryLine: String { "delivered \(delivered), failed \(failed), unknown \(unknown)" }
}
