/// Knobs that make the sandbox misbehave the way real proxies and gateways do, for tests.
public struct SandboxFaults: Sendable, Equatable {
    public enum RequestFailure: String, Sendable, Equatable, CaseIterable {
        /// Jetty's DoS filter: 429 with an HTML page.
        case html429 = "429-html"
        /// 429 with a JSON body.
        case json429 = "429-json"
        case json500 = "500"
        case json503 = "503"
        /// A gateway's 502 page (HTML).
        case html502 = "502-html"
        /// The gateway's refusal, as for a wrong key.
        case gateway403 = "403"
    }

    /// End each streamed response after this many reports (the body is still read).
    public var closeStreamAfter: Int?
    /// Drop the connection without finishing the response after this many reports.
    public var dropConnectionAfter: Int?
    /// Wait this long before each report (a batch: before its answer).
    public var reportDelayMilliseconds = 0
    /// Read the whole request body before answering, as a buffering gateway does.
    public var bufferWholeRequest = false
    /// Answer produce requests with this instead of producing.
    public var failRequests: RequestFailure?
    /// Report success without an offset (a faulty proxy).
    public var omitOffset = false
    /// Add a field the client does not know to each report.
    public var extraReportField = false

    public init() {}
}
