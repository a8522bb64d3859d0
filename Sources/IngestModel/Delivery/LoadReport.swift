import Foundation

/// A send's figures as a load test reports them (after kafka-producer-perf-test): latency
/// percentiles, records/s and MB/s, with the warm-up records reported apart.
public struct LoadReport: Sendable {
    /// One stretch of the run: the warm-up, or what was measured after it.
    public struct Phase: Sendable {
        public var delivered = 0
        public var failed = 0
        public var unknown = 0
        /// Bytes of key, value and headers of the records sent.
        public var bytes = 0
        public var seconds = 0.0
        public var latency = LatencyStats()

        public init() {}

        public var records: Int { delivered + failed + unknown }
        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
        /// MB of 1024 x 1024 bytes, as kafka-producer-perf-test counts them.
        public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
    }

    public var measured = Phase()
    /// The first `warmupRecords` records, when `--warmup-records` was given.
    public var warmup: Phase?
    public var warmupRecords = 0
    public var stopReason: String?

    public init() {}

    public var delivered: Int { measured.delivered + (warmup?.delivered ?? 0) }
    public var failed: Int { measured.failed + (warmup?.failed ?? 0) }
    public var unknown: Int { measured.unknown + (warmup?.unknown ?? 0) }

    /// `latency p50 1.20 ms, p95 2.10 ms, p99 4.80 ms, p99.9 6.01 ms, max 7.20 ms; 2417 records/s, 0.24 MB/s`
    public static func line(_ phase: Phase) -> String {
        var parts: [String] = []
        if let p50 = phase.latency.percentile(50) {
            let percentiles = [("p50", p50), ("p95", phase.latency.percentile(95) ?? 0), ("p99", phase.latency.percentile(99) ?? 0),
                               ("p99.9", phase.latency.percentile(99.9) ?? 0), ("max", phase.latency.maximum ?? 0)]
            parts.append("latency " + percentiles.map { $0.0 + String(format: " %.2f ms", $0.1) }.joined(separator: ", "))
        } else {
            parts.append("no latency measured")
        }
        return parts[0] + String(format: "; %.0f records/s, %.2f MB/s", phase.recordsPerSecond, phase.megabytesPerSecond)
    }

    /// The lines under the summary: the warm-up apart, then what was measured.
    public var lines: [String] {
        var lines: [String] = []
        if let warmup {
            lines.append("warmup (records 1-\(warmupRecords)): \(warmup.records) records, " + Self.line(warmup))
            lines.append("measured (after the warmup): \(measured.records) records, " + Self.line(measured))
        } else {
            lines.append(Self.line(measured))
        }
        return lines
    }

    /// `--summary-json`: one object. Counts are the whole run's; rates and latencies are the
    /// measured part's (after the warm-up, which has its own object).
    public var json: String {
        var object: [String: Any] = [
            "delivered": delivered, "failed": failed, "unknown": unknown,
        ]
        for (key, value) in Self.figures(measured) { object[key] = value }
        object["records"] = measured.records
        if let warmup {
            var figures = Self.figures(warmup)
            figures["records"] = warmup.records
            figures["delivered"] = warmup.delivered
            figures["failed"] = warmup.failed
            figures["unknown"] = warmup.unknown
            object["warmup"] = figures
        }
        if let stopReason { object["stop_reason"] = stopReason }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func figures(_ phase: Phase) -> [String: Any] {
        func rounded(_ value: Double?, _ places: Double = 1000) -> Any { value.map { ($0 * places).rounded() / places } ?? NSNull() }
        return [
            "records_per_s": rounded(phase.recordsPerSecond, 10),
            "mb_per_s": rounded(phase.megabytesPerSecond),
            "bytes": phase.bytes,
            "elapsed_s": rounded(phase.seconds),
            "latency_ms": [
                "p50": rounded(phase.latency.percentile(50)), "p95": rounded(phase.latency.percentile(95)),
                "p99": rounded(phase.latency.percentile(99)), "p999": rounded(phase.latency.percentile(99.9)),
                "max": rounded(phase.latency.maximum),
            ] as [String: Any],
        ]
    }
}
