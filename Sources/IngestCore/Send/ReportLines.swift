/// Hands each outcome to a closure, one at a time: for small tools and tests.
public struct ReportLines: SendSink {
    let body: @Sendable (DeliveryReport) -> Void

    public init(_ body: @escaping @Sendable (DeliveryReport) -> Void) {
        self.body = body
    }

    public func didReport(_ reports: [DeliveryReport]) {
        reports.forEach(body)
    }
}
