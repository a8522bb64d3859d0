import IngestModel

/// A report and the send it belongs to.
public struct StoredReport: Equatable, Sendable {
    public var sendID: Int
    public var report: DeliveryReport

    public init(sendID: Int, report: DeliveryReport) {
        self.sendID = sendID
        self.report = report
    }
}

/// The session's delivery reports: the last `capacity` rows in a ring, exact counters,
/// latency percentiles and rate from bounded structures.
public struct ReportStore: Equatable, Sendable {
    public let capacity: Int
    private var ring: [StoredReport] = []
    private var head = 0  // next slot to overwrite once full
    /// Reports ever added; absolute indices run 0..<total.
    public private(set) var total = 0
    public private(set) var delivered = 0
    public private(set) var failed = 0
    public private(set) var unknown = 0
    public private(set) var latency = LatencyStats()
    public private(set) var rate = RateMeter()
    /// Absolute indices of failed/unknown reports, oldest first; entries before
    /// `problemStart` or below `firstHeld` have left the ring.
    private var problems: [Int] = []
    private var problemStart = 0

    public init(capacity: Int = 100_000) { self.capacity = max(1, capacity) }

    public var held: Int { ring.count }
    /// The oldest absolute index still held.
    public var firstHeld: Int { total - ring.count }

    public mutating func append(_ report: StoredReport, at now: Double) {
        if ring.count < capacity {
            ring.append(report)
        } else {
            ring[head] = report
            head = (head + 1) % capacity
        }
        total += 1
        switch report.report.outcome {
        case .delivered: delivered += 1
        case .failed: failed += 1
        case .unknown: unknown += 1
        }
        if !report.report.outcome.isDelivered { problems.append(total - 1) }
        // Forget problems that left the ring; compact now and then so memory stays bounded.
        while problemStart < problems.count, problems[problemStart] < firstHeld { problemStart += 1 }
        if problemStart > 1024, problemStart * 2 > problems.count {
            problems.removeFirst(problemStart)
            problemStart = 0
        }
        if let l = report.report.latencyMilliseconds { latency.record(l) }
        rate.add(1, at: now)
    }

    public mutating func tick(_ now: Double) { rate.advance(to: now) }

    /// The report at an absolute index, nil once it has left the ring.
    public subscript(absolute i: Int) -> StoredReport? {
        guard i >= firstHeld, i < total else { return nil }
        let offset = i - firstHeld
        return ring.count < capacity ? ring[offset] : ring[(head + offset) % capacity]
    }

    /// Absolute indices of held failed/unknown reports, oldest first.
    public func problemIndices() -> [Int] {
        Array(problems[problemStart...].drop { $0 < firstHeld })
    }

    /// Held failed/unknown reports of one send.
    public func problems(ofSend id: Int) -> [DeliveryReport] {
        problemIndices().compactMap { i in self[absolute: i].flatMap { $0.sendID == id ? $0.report : nil } }
    }
}
