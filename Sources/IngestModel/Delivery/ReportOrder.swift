/// Releases outcomes in record order whatever order they arrive in (requests in flight
/// together, records sent again after a refusal): an outcome waits until every lower `seq`
/// has one. Holds at most the outcomes of records still unanswered ahead of them.
public struct ReportOrder: Sendable {
    private var next = 1
    private var held: [Int: DeliveryReport] = [:]

    public init() {}

    public var heldCount: Int { held.count }

    /// Takes outcomes; returns those now in order, ready to pass on.
    public mutating func add(_ reports: [DeliveryReport]) -> [DeliveryReport] {
        var ready: [DeliveryReport] = []
        for report in reports {
            if report.seq == next {
                ready.append(report)
                next += 1
                while let following = held.removeValue(forKey: next) {
                    ready.append(following)
                    next += 1
                }
            } else if report.seq > next {
                held[report.seq] = report
            }
        }
        return ready
    }

    /// The send ended: whatever is held (behind a record that never got an outcome), in order.
    public mutating func drain() -> [DeliveryReport] {
        defer { held.removeAll() }
        return held.values.sorted { $0.seq < $1.seq }
    }
}
