import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import IngestModel
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-process stand-in for the platform's REST Proxy v3 behind its API gateway, faithful
/// to `rest-proxy-v3.md`: discovery, produce (single and streamed), records:batch, and the
/// per-record and whole-request errors of the real proxy (`Proxy/`); in front of it the
/// gateway's key check, usage plan, limits, buffering and latency (`Gateway/`), over HTTPS with
/// a CA of its own (`TLS/`).
public final class SandboxServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        public var apiKey: String
        /// Full topic names that exist.
        public var topics: [String]
        public var partitions = 3
        public var clusterID = "sandbox-cluster-1"
        /// Brokers to list (host:port); the sandbox's own address when empty.
        public var brokers: [HostPort] = []
        public var batchMaximumEntries = 10
        public var faults = SandboxFaults()
        /// The Kafka cluster behind the proxy; the in-memory log when nil.
        public var kafka: SandboxKafka?
        /// Serve HTTPS (as the platform does) with a certificate from a CA made at start
        /// (`caFile`); plain HTTP when false. `ingest sandbox` and the `local` profile serve HTTPS.
        public var https = false
        /// Records the in-memory log keeps per partition (benches and tests that read it all back).
        public var logTailLimit = 10_000

        public init(apiKey: String, topics: [String], partitions: Int = 3) {
            self.apiKey = apiKey
            self.topics = topics
            self.partitions = partitions
        }
    }

    public let configuration: Configuration
    public let log: SandboxLog
    let clock = TimestampClock()
    /// Made at start when serving HTTPS.
    private let tlsState = Mutex<SandboxTLS?>(nil)
    private let faultsState: Mutex<SandboxFaults>
    private let running = Mutex<(task: Task<Void, any Error>, group: ServiceGroup)?>(nil)
    private let boundPort = Mutex<Int?>(nil)
    /// Produce requests seen (tests count them to prove that nothing was sent).
    private let requestCounter = Mutex(0)
    /// The gateway's usage plan bucket, made anew when the plan changes.
    private let throttleBucket = Mutex<(SandboxFaults.Throttle, TokenBucket)?>(nil)
    private let recordBucket = Mutex<(SandboxFaults.RecordRateLimit, TokenBucket)?>(nil)
    private let droppedOnce = Mutex(false)
    /// Stream records handed to Kafka and not yet acknowledged: now, and the most at once.
    private let producing = Mutex((now: 0, peak: 0))

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.log = SandboxLog(topics: configuration.topics, partitions: configuration.partitions, tailLimit: configuration.logTailLimit)
        self.faultsState = Mutex(configuration.faults)
    }

    public var faults: SandboxFaults {
        get { faultsState.withLock { $0 } }
        set { faultsState.withLock { $0 = newValue } }
    }

    public var produceRequests: Int { requestCounter.withLock { $0 } }
    /// The most stream records Kafka was producing at once: above 1 when a stream's records
    /// are produced concurrently rather than one after the other.
    public var peakRecordsProducing: Int { producing.withLock { $0.peak } }

    func producingChanged(by change: Int) {
        producing.withLock { state in
            state.now += change
            state.peak = max(state.peak, state.now)
        }
    }

    /// Counts a produce request; returns its number (1-based).
    func countProduceRequest() -> Int {
        requestCounter.withLock { count in
            count += 1
            return count
        }
    }

    public var port: Int { boundPort.withLock { $0 } ?? configuration.port }
    public var baseURL: String { "\(configuration.https ? "https" : "http")://\(configuration.host):\(port)/v3" }
    /// The PEM file clients trust for this sandbox once started: its HTTPS CA and its Kafka
    /// front's CA (nil over plain HTTP without Kafka).
    public var caFile: String? { tlsState.withLock { $0?.caFile } ?? configuration.kafka?.caFile }

    /// Whether a stream that reached `dropConnectionAfter` reports is dropped now.
    func dropsConnection(_ faults: SandboxFaults) -> Bool {
        guard faults.dropOnce else { return true }
        return droppedOnce.withLock { dropped in
            defer { dropped = true }
            return !dropped
        }
    }

    /// The usage plan's bucket for `throttle`, kept while the plan stays the same.
    func bucket(for throttle: SandboxFaults.Throttle) -> TokenBucket {
        throttleBucket.withLock { current in
            if let current, current.0 == throttle { return current.1 }
            let bucket = TokenBucket(rate: throttle.requestsPerSecond, burst: throttle.burst)
            current = (throttle, bucket)
            return bucket
        }
    }

    func bucket(for limit: SandboxFaults.RecordRateLimit) -> TokenBucket {
        recordBucket.withLock { current in
            if let current, current.0 == limit { return current.1 }
            let bucket = TokenBucket(rate: limit.recordsPerSecond, burst: Int(limit.recordsPerSecond.rounded(.up)))
            current = (limit, bucket)
            return bucket
        }
    }

    /// Starts listening; returns once the port is bound.
    public func start() async throws {
        let router = Router()
        router.middlewares.add(Gateway(server: self))
        addProxyRoutes(router)
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "ingest.sandbox")
        logger.logLevel = .critical
        let tls = configuration.https
            ? try SandboxTLS.make(host: configuration.host, alsoTrust: configuration.kafka.map { [$0.front.caCertificatePEM] } ?? [])
            : nil
        tlsState.withLock { $0 = tls }
        let tlsConfiguration = tls?.configuration
        // Latency is read per accepted connection, so a test can change it between sends.
        let latency: @Sendable () -> TimeAmount = { [weak self] in .milliseconds(Int64(self?.faults.latencyMilliseconds ?? 0)) }
        let server = HTTPServerBuilder { responder in
            let http = HTTP1Channel(responder: responder)
            if let tlsConfiguration {
                return LatencyChannel(base: try TLSChannel(http, tlsConfiguration: tlsConfiguration), delay: latency)
            }
            return LatencyChannel(base: http, delay: latency)
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                readyContinuation.yield(channel.localAddress?.port ?? 0)
                readyContinuation.finish()
            },
            logger: logger
        )
        // Run in a service group so that stop() can shut down gracefully: cancelling the
        // server instead can drop a connection it accepted but had not served yet, and
        // swift-nio traps on that channel's unfinished writer (apple/swift-nio#2637).
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        running.withLock { $0 = (task, group) }
        var iterator = ready.makeAsyncIterator()
        let port = await withTaskCancellationHandler {
            await iterator.next()
        } onCancel: { readyContinuation.finish() }
        guard let port, port > 0 else {
            task.cancel()
            let result = await task.result
            if case .failure(let error) = result {
                throw InputError("the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)")
            }
            throw InputError("the sandbox could not listen on \(configuration.host):\(configuration.port)")
        }
        boundPort.withLock { $0 = port }
    }

    /// Graceful: stops accepting, serves what was accepted, then ends. A request still
    /// streaming after 3 s is cut off by cancelling.
    public func stop() async {
        defer { tlsState.withLock { $0 }?.removeFile() }
        guard let (task, group) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        // Cancelling a server that already ended does nothing, so the deadline needs no state.
        let deadline = Task {
            try? await Task.sleep(for: .seconds(3))
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }
}
