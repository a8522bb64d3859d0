/// Knobs that make the sandbox misbehave the way real proxies and gateways do, for tests and
/// benches. They can be changed while it runs (`SandboxServer.faults`); the latency applies to
/// connections accepted after the change.
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

    /// An API gateway usage plan: a token bucket over every request of the key.
    public struct Throttle: Sendable, Equatable {
        public var requestsPerSecond: Double
        /// Requests allowed at once after a quiet spell (the bucket's size).
        public var burst: Int
        /// Send `Retry-After` (seconds until a request would pass) with the 429.
        public var retryAfter: Bool

        public init(requestsPerSecond: Double, burst: Int? = nil, retryAfter: Bool = false) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = max(1, burst ?? Int(requestsPerSecond.rounded(.up)))
            self.retryAfter = retryAfter
        }
    }

    /// The proxy's own rate limiter (kafka-rest `api.v3.produce.rate.limit`): records past the
    /// rate get a per-record report with `code` (429, or 42901 for a Kafka quota) and are not produced.
    public struct RecordRateLimit: Sendable, Equatable {
        public var recordsPerSecond: Double
        public var code: Int

        public init(recordsPerSecond: Double, code: Int = 429) {
            self.recordsPerSecond = recordsPerSecond
            self.code = code
        }
    }

    // MARK: The proxy

    /// End each streamed response after this many reports; later records are not produced.
    public var closeStreamAfter: Int?
    /// Drop the connection without finishing the response after this many reports.
    public var dropConnectionAfter: Int?
    /// With `dropConnectionAfter`: only the first stream that gets that far is dropped.
    public var dropOnce = false
    /// Wait this long before each report (a batch: before its answer).
    public var reportDelayMilliseconds = 0
    /// Answer produce requests with this instead of producing.
    public var failRequests: RequestFailure?
    /// With `failRequests`: only the first N produce requests fail (a transient refusal).
    public var failFirst: Int?
    /// Report success without an offset (a faulty proxy).
    public var omitOffset = false
    /// Add a field the client does not know to each report.
    public var extraReportField = false
    public var recordRateLimit: RecordRateLimit?
    /// Streams open longer than this get a 408 report for each further record, then close
    /// (kafka-rest `streaming.connection.max.duration.ms`).
    public var streamMaxSeconds: Double?

    // MARK: The gateway in front of it

    /// Read the whole request body before passing it on, as a buffering gateway does.
    public var bufferWholeRequest = false
    /// One-way delay added to every byte in both directions (order kept, throughput not capped).
    public var latencyMilliseconds = 0
    public var throttle: Throttle?
    /// A larger request body gets 413 (the gateway's payload limit).
    public var maxBodyBytes: Int?
    /// A request still running after this long gets 504 (when it was buffered) or its
    /// connection cut (when it streams).
    public var maxRequestSeconds: Double?
    /// Chunked request bodies get 411 Length Required.
    public var refuseChunked = false

    public init() {}
}
