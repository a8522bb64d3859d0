import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

public enum SendMode: String, Sendable, CaseIterable {
    case single, batch, stream
}

/// seq, the record, and its produce request as encoded for the wire.
public typealias RecordReadHook = @Sendable (Int, EventRecord, [UInt8]) -> Void

public struct SendOptions: Sendable {
    /// Records per second; nil sends as fast as the window allows.
    public var ratePerSecond: Double?
    /// Unanswered records allowed in a stream; nil takes the profile's.
    public var window: Int?
    public var maximumRecordBytes = RecordLimits.maximumRecordBytes
    /// Sees each record once, when it is read and before it is sent (the journal's hook), with
    /// its produce request as already encoded: hooks need not encode it again.
    public var onRecordRead: RecordReadHook?
    public init(ratePerSecond: Double? = nil, window: Int? = nil, onRecordRead: RecordReadHook? = nil) {
        self.ratePerSecond = ratePerSecond
        self.window = window
        self.onRecordRead = onRecordRead
    }
}

/// What a send came to. `ledger.total` is the number of records sent; `notSent` the ones
/// never sent because the run stopped.
public struct SendResult: Sendable {
    public var ledger: DeliveryLedger
    /// Why the run stopped early, if it did.
    public var stopReason: String?
    /// The run stopped on bad input (an event that could not be read or built).
    public var inputError: InputError?
    public var elapsedSeconds: Double
    public var segments = 0
}

/// The REST Proxy v3 client: discovery, and single, batch and full-duplex stream sends.
public final class RestClient: Sendable {
    public let baseURL: String
    public let profile: Profile
    let http: HTTPClient
    let apiKey: Secret
    let logger: Logger
    let host: String
    private let clusterCache = NIOLockedValueBox<String?>(nil)
    var tlsMinimum: TLSMinimumVersion { profile.tlsMinVersion }
    public static let defaultConnectTimeout: TimeAmount = .seconds(10)
    public static let defaultReadTimeout: TimeAmount = .seconds(30)

    /// `baseURL` overrides the profile's (the embedded sandbox's address).
    public init(profile: Profile, apiKey: Secret, baseURL: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                connectTimeout: TimeAmount = RestClient.defaultConnectTimeout,
                readTimeout: TimeAmount = RestClient.defaultReadTimeout,
                logger: Logger = Logger(label: "ingest.rest")) throws {
        if baseURL == nil { try profile.checkUsable() }
        var base = baseURL ?? profile.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let components = URLComponents(string: base), let host = components.host else {
            throw InputError("rest_url \(base) is not a URL")
        }
        self.baseURL = base
        self.profile = profile
        self.apiKey = apiKey
        self.logger = logger
        self.host = host

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = profile.tlsMinVersion == .v1_3 ? .tlsv13 : .tlsv12
        tls.certificateVerification = .fullVerification
        if !profile.kafka.caFile.isEmpty, components.scheme == "https" {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(profile.kafka.caFile)
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch {
                throw InputError("\(profile.source): kafka.ca_file \(profile.kafka.caFile) is not a readable PEM certificate file")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: connectTimeout, read: readTimeout)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        // Report a refused or unresolvable host at once instead of retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy = ProxySettings.proxy(forScheme: components.scheme ?? "https", host: host, environment: environment) {
            configuration.proxy = .server(host: proxy.host, port: proxy.port)
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        logger.debug("REST client", metadata: ["base": "\(base)", "proxy": "\(configuration.proxy.map { "\($0.host):\($0.port)" } ?? "none")",
                                              "tls_min": "\(profile.tlsMinVersion)", "api_key": "\(apiKey.masked)"])
    }

    public func shutdown() async {
        guard markShutdown() else { return }
        try? await http.shutdown()
    }

    private let isShutdown = NIOLockedValueBox(false)

    /// True the first time: the client is shut down exactly once.
    private func markShutdown() -> Bool {
        isShutdown.withLockedValue { done in
            defer { done = true }
            return !done
        }
    }

    // A client dropped on an error path must not bring the process down (async-http-client
    // traps on a client that was never shut down): shut it down in the background instead.
    deinit {
        if markShutdown() { _ = http.shutdown() }
    }

    func request(_ path: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "x-api-key", value: apiKey.reveal())
        request.headers.add(name: "Accept", value: "application/json")
        if method == .POST { request.headers.add(name: "Content-Type", value: "application/json") }
        if logger.logLevel <= .debug {
            logger.debug("\(method) \(baseURL + path)", metadata: ["headers": "\(Self.maskedHeaders(request.headers))"])
        }
        return request
    }

    /// Headers as a debug log shows them: the API key masked like everywhere else.
    static func maskedHeaders(_ headers: HTTPHeaders) -> String {
        headers.map { name, value in
            name.lowercased() == "x-api-key" || name.lowercased() == "authorization" ? "\(name): \(Secret(value).masked)" : "\(name): \(value)"
        }.joined(separator: ", ")
    }

    /// GET a JSON body, turning every failure into a `RestError` that says what to do.
    func getJSON<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request(path, method: .GET), timeout: .seconds(30), logger: logger)
        } catch {
            throw RestErrorText.transport(error, host: host, sent: false, tlsMinimum: tlsMinimum)
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: 16 * 1024 * 1024) } catch {
            throw RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
        }
        let bytes = Array(body.readableBytesView)
        let contentType = response.headers.first(name: "content-type")
        logger.debug("GET \(path) answered", metadata: ["status": "\(response.status.code)", "bytes": "\(bytes.count)", "content_type": "\(contentType ?? "none")"])
        guard response.status.code == 200 else {
            throw RestErrorText.httpError(status: Int(response.status.code), contentType: contentType, body: bytes, topic: nil)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            let snippet = String(decoding: bytes.prefix(80), as: UTF8.self)
            throw RestError(kind: .protocolViolation, code: 200, description: "GET \(path) answered 200 but not with the expected JSON (\(contentType ?? "no content type")): \(snippet)")
        }
    }

    public func clusters() async throws -> [Wire.Cluster] {
        try await getJSON("/clusters", as: Wire.ClusterList.self).data
    }

    /// The first cluster's id, asked once per client.
    public func clusterID() async throws -> String {
        if let cached = clusterCache.withLockedValue({ $0 }) { return cached }
        guard let first = try await clusters().first else {
            throw RestError(kind: .protocolViolation, code: 200, description: "the proxy lists no Kafka cluster")
        }
        clusterCache.withLockedValue { $0 = first.cluster_id }
        return first.cluster_id
    }

    public struct Discovery: Sendable, Equatable {
        public var clusterID: String
        public var brokers: [HostPort]
    }

    /// Cluster id, then its brokers through `brokers.related`, rebased on our base URL.
    public func discover() async throws -> Discovery {
        let cluster = try await clusters().first
        guard let cluster else {
            throw RestError(kind: .protocolViolation, code: 200, description: "the proxy lists no Kafka cluster")
        }
        clusterCache.withLockedValue { $0 = cluster.cluster_id }
        let path = Self.rebase(cluster.brokers?.related, fallback: "/clusters/\(cluster.cluster_id)/brokers")
        let brokers = try await getJSON(path, as: Wire.BrokerList.self).data
        return Discovery(clusterID: cluster.cluster_id, brokers: brokers.compactMap { broker in
            guard let host = broker.host, let port = broker.port else { return nil }
            return HostPort(host: host, port: port)
        })
    }

    /// The part of a `related` link after `/v3`, so it is asked of our own base URL: behind a
    /// gateway the proxy names internal hosts.
    static func rebase(_ link: String?, fallback: String) -> String {
        guard let link, let components = URLComponents(string: link), let range = components.path.range(of: "/v3/") else {
            return fallback
        }
        return "/" + components.path[range.upperBound...]
    }

    // MARK: Sending

    public func send(source: RecordSource, topic: String, mode: SendMode, options: SendOptions = SendOptions(),
                     onReport: @escaping @Sendable (DeliveryReport) -> Void) async -> SendResult {
        let started = NIODeadline.now()
        let run = SendRun(onReport: onReport)
        var result = SendResult(ledger: DeliveryLedger(), elapsedSeconds: 0)
        do {
            let cluster = try await clusterID()
            // Topic names are checked against Kafka's rules ([a-zA-Z0-9._-]): nothing to escape.
            let path = "/clusters/\(cluster)/topics/\(topic)/records"
            let reader = RecordReader(source: source, maximumBytes: options.maximumRecordBytes, onRead: options.onRecordRead)
            switch mode {
            case .single: try await sendSingles(reader, path: path, topic: topic, options: options, run: run)
            case .batch: try await sendBatches(reader, path: path + ":batch", topic: topic, options: options, run: run)
            case .stream: result.segments = try await sendStream(reader, path: path, topic: topic, options: options, run: run)
            }
        } catch let error as InputError {
            result.inputError = error
            result.stopReason = error.description
        } catch let error as RestError {
            result.stopReason = error.description
        } catch is CancellationError {
            result.stopReason = "stopped by the operator"
        } catch {
            result.stopReason = RestErrorText.scrub(String(describing: error))
        }
        result.ledger = run.ledger
        result.elapsedSeconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        return result
    }

    /// Paces records to a rate.
    struct Pacer {
        let interval: Int64?
        var next = NIODeadline.now()
        var isPacing: Bool { interval != nil }
        init(ratePerSecond: Double?) {
            interval = ratePerSecond.map { Int64(1e9 / max($0, 0.001)) }
        }
        mutating func wait() async throws {
            guard let interval else { return }
            let now = NIODeadline.now()
            if next > now { try await Task.sleep(nanoseconds: UInt64((next - now).nanoseconds)) }
            next = max(next, now - .milliseconds(100)) + .nanoseconds(interval)
        }
    }

    func sendSingles(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws {
        var pacer = Pacer(ratePerSecond: options.ratePerSecond)
        while let (seq, _, body) = try reader.next() {
            try Task.checkCancellation()
            try await pacer.wait()
            var request = self.request(path, method: .POST)
            request.body = .bytes(ByteBuffer(bytes: body))
            let sentAt = NIODeadline.now()
            do {
                let response = try await http.execute(request, timeout: .seconds(60), logger: logger)
                let bytes = Array(try await response.body.collect(upTo: 4 * 1024 * 1024).readableBytesView)
                let latency = Double((NIODeadline.now() - sentAt).nanoseconds) / 1e6
                logger.debug("record answered", metadata: ["seq": "\(seq)", "status": "\(response.status.code)", "ms": "\(latency)"])
                if response.status.code == 200 {
                    let outcome = Wire.Report.decode(bytes)?.outcomeNamingTopic(topic)
                        ?? .unknown(message: "HTTP 200 but the body is not a delivery report: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                    run.report(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: latency))
                } else {
                    let error = RestErrorText.httpError(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    run.report(DeliveryReport(seq: seq, outcome: error.outcome, latencyMilliseconds: latency))
                    if Self.stopsTheRun(error) { throw error }
                }
            } catch let error as RestError {
                throw error
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                run.report(DeliveryReport(seq: seq, outcome: failure.outcome))
                throw failure
            }
        }
    }

    /// Errors that would hit every following record alike.
    static func stopsTheRun(_ error: RestError) -> Bool {
        switch error.kind {
        case .http(let status): return ![400, 408, 413, 422].contains(status)
        default: return true
        }
    }

    func sendBatches(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws {
        var pacer = Pacer(ratePerSecond: options.ratePerSecond.map { $0 / Double(profile.batchMaxEntries) })
        while true {
            var entries: [(seq: Int, record: EventRecord)] = []
            while entries.count < profile.batchMaxEntries, let (seq, record, _) = try reader.next() {
                entries.append((seq, record))
            }
            guard !entries.isEmpty else { return }
            try Task.checkCancellation()
            try await pacer.wait()
            var request = self.request(path, method: .POST)
            request.body = .bytes(ByteBuffer(bytes: RecordEncoding.batchRequest(entries.map { (String($0.seq), $0.record) })))
            let sentAt = NIODeadline.now()
            var pending = Dictionary(uniqueKeysWithValues: entries.map { (String($0.seq), $0.seq) })
            func settle(_ id: String, _ outcome: Outcome, latency: Double?) {
                guard let seq = pending.removeValue(forKey: id) else { return }
                run.report(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: latency))
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(60), logger: logger)
                let bytes = Array(try await response.body.collect(upTo: 16 * 1024 * 1024).readableBytesView)
                let latency = Double((NIODeadline.now() - sentAt).nanoseconds) / 1e6
                let status = Int(response.status.code)
                logger.debug("batch answered", metadata: ["entries": "\(entries.count)", "status": "\(status)", "ms": "\(latency)"])
                if status == 207 || status == 200, let answer = try? JSONDecoder().decode(Wire.BatchResponse.self, from: Data(bytes)) {
                    for success in answer.successes {
                        let report = Wire.Report(error_code: 200, message: nil, partition_id: success.partition_id, offset: success.offset, timestamp: success.timestamp)
                        settle(success.id, report.outcome, latency: latency)
                    }
                    for failure in answer.failures {
                        settle(failure.id, .failed(code: failure.error_code, message: RestErrorText.explain(code: failure.error_code, message: failure.message, topic: topic)), latency: latency)
                    }
                    for (id, _) in pending.sorted(by: { $0.value < $1.value }) {
                        settle(id, .unknown(message: "the batch answer did not mention id \(id)"), latency: nil)
                    }
                } else {
                    // A whole-batch answer (422 and the like) is the outcome of every entry.
                    let error = status == 207 || status == 200
                        ? RestError(kind: .protocolViolation, code: status, description: "HTTP \(status) but the body is not a batch answer: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                        : RestErrorText.httpError(status: status, contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    for entry in entries { settle(String(entry.seq), error.outcome, latency: latency) }
                    if error.kind != .http(status: 422) && Self.stopsTheRun(error) { throw error }
                }
            } catch let error as RestError {
                throw error
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                for entry in entries { settle(String(entry.seq), failure.outcome, latency: nil) }
                throw failure
            }
        }
    }

    // MARK: Stream

    /// Sends segment after segment until the source is empty. A segment that the proxy ends
    /// early leaves its unanswered records unknown; the next segment goes on with the rest.
    func sendStream(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws -> Int {
        let limits = StreamSegmentMachine.Limits(profile.stream, window: options.window)
        var pacer = Pacer(ratePerSecond: options.ratePerSecond)
        var segments = 0
        var fruitless = 0
        while try reader.peek() != nil {
            try Task.checkCancellation()
            segments += 1
            let segment = try await streamSegment(reader, path: path, topic: topic, limits: limits, pacer: &pacer, run: run)
            if let fatal = segment.fatal { throw fatal }
            // A proxy that keeps closing streams before answering anything would loop forever.
            fruitless = segment.reports == 0 ? fruitless + 1 : 0
            if fruitless >= 3 {
                throw RestError(kind: .interrupted, code: ClientErrorCode.connection, description: "the proxy closed \(fruitless) streams in a row without a single report; stopping")
            }
        }
        return segments
    }

    struct SegmentResult {
        var reports: Int
        var fatal: RestError?
    }

    func streamSegment(_ reader: RecordReader, path: String, topic: String, limits: StreamSegmentMachine.Limits,
                       pacer: inout Pacer, run: SendRun) async throws -> SegmentResult {
        let state = NIOLockedValueBox(SegmentState(machine: StreamSegmentMachine(limits: limits, now: .now())))
        let wakeup = Wakeup()
        let (body, bodyWriter) = AsyncStream<ByteBuffer>.makeStream()
        var request = self.request(path, method: .POST)
        request.body = .stream(body, length: .unknown)
        let host = self.host, tlsMinimum = self.tlsMinimum

        // Reader: the response, concurrently with the writing below (full duplex).
        let readerTask = Task { [http, logger] () -> SegmentResult in
            var reports = 0
            func settleAll(_ outcome: Outcome) {
                let rest = state.withLockedValue { state -> [DeliveryReport] in
                    state.closed = true
                    return state.machine.finish(outcome)
                }
                rest.forEach(run.report)
                wakeup.signal()
            }
            do {
                let response = try await http.execute(request, deadline: .now() + .seconds(Int64(limits.seconds + limits.stallSeconds) + 120), logger: logger)
                logger.debug("stream segment answered", metadata: ["status": "\(response.status.code)"])
                guard response.status.code == 200 else {
                    let bytes = Array((try? await response.body.collect(upTo: 1024 * 1024))?.readableBytesView ?? ByteBuffer().readableBytesView)
                    let error = RestErrorText.httpError(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    settleAll(error.outcome)
                    return SegmentResult(reports: 0, fatal: error)
                }
                var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 1024 * 1024)
                for try await chunk in response.body {
                    let pieces = try splitter.feed(chunk.readableBytesView)
                    for piece in pieces {
                        let outcome = Wire.Report.decode(piece)?.outcomeNamingTopic(topic)
                            ?? .unknown(message: "unreadable delivery report: \(String(decoding: piece.prefix(80), as: UTF8.self))")
                        let report = state.withLockedValue { $0.machine.didReceive(outcome, now: .now()) }
                        if let report {
                            reports += 1
                            run.report(report)
                        }
                        wakeup.signal()
                    }
                }
                settleAll(.unknown(message: "the proxy ended the stream before reporting this record"))
                logger.debug("stream segment ended by the proxy", metadata: ["reports": "\(reports)"])
                return SegmentResult(reports: reports, fatal: nil)
            } catch let error as ConcatenatedJSONSplitter.SplitError {
                settleAll(.unknown(message: "the proxy's reply broke off: \(error)"))
                return SegmentResult(reports: reports, fatal: RestError(kind: .protocolViolation, code: 200, description: "the proxy's stream reply is not concatenated JSON: \(error)"))
            } catch is CancellationError {
                settleAll(.unknown(message: "stopped before this record was reported"))
                return SegmentResult(reports: reports, fatal: nil)
            } catch let error as HTTPClientError where error == .cancelled {
                settleAll(.unknown(message: "stopped before this record was reported"))
                return SegmentResult(reports: reports, fatal: nil)
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                logger.debug("stream segment failed", metadata: ["reports": "\(reports)", "error": "\(failure.description)"])
                settleAll(reports == 0 && failure.kind == .connection ? failure.outcome : .unknown(message: failure.description))
                let fatal = failure.kind == .connection || failure.kind == .tls ? failure : nil
                return SegmentResult(reports: reports, fatal: fatal)
            }
        }

        // One timer per segment, not one per wait: it wakes the writer so that a stall is noticed.
        let watchdog = Task {
            let tick = UInt64(max(0.01, limits.stallSeconds / 4) * 1e9)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: tick)
                wakeup.signal()
            }
        }
        defer { watchdog.cancel() }

        // Writer: records into the body while the window and the segment limits allow.
        defer { bodyWriter.finish() }
        do {
            while let (seq, _, bytes) = try reader.peek() {
                if Task.isCancelled { break }
                let decision = state.withLockedValue { state -> StreamSegmentMachine.SendDecision? in
                    state.closed ? nil : state.machine.decide(nextRecordBytes: bytes.count, now: .now())
                }
                guard let decision else { break }
                switch decision {
                case .send:
                    try await pacer.wait()
                    // The reader may have closed the stream meanwhile and settled what was in
                    // flight: check and record the send in one step, or the record would be
                    // in flight after the settling and never get an outcome.
                    let admitted = state.withLockedValue { state -> Bool in
                        guard !state.closed else { return false }
                        state.machine.didSend(seq: seq, bytes: bytes.count, now: .now())
                        return true
                    }
                    guard admitted else { break }
                    _ = try reader.next()
                    var buffer = ByteBuffer(bytes: bytes)
                    // Unpaced, fill the free part of the window in one write: one chunk, one syscall.
                    while !pacer.isPacing, buffer.readableBytes < 64 * 1024, let (nextSeq, _, nextBytes) = try reader.peek() {
                        let admitted = state.withLockedValue { state -> Bool in
                            guard !state.closed, state.machine.decide(nextRecordBytes: nextBytes.count, now: .now()) == .send else { return false }
                            state.machine.didSend(seq: nextSeq, bytes: nextBytes.count, now: .now())
                            return true
                        }
                        guard admitted else { break }
                        _ = try reader.next()
                        buffer.writeBytes(nextBytes)
                    }
                    bodyWriter.yield(buffer)
                    continue
                case .wait:
                    await wakeup.wait()
                    continue
                case .endBody(let reason):
                    logger.debug("ending stream segment", metadata: ["reason": "\(reason.rawValue)"])
                }
                break
            }
        } catch {
            state.withLockedValue { $0.machine.didEndBody() }
            bodyWriter.finish()
            _ = await readerTask.value
            throw error
        }
        state.withLockedValue { $0.machine.didEndBody() }
        bodyWriter.finish()
        if Task.isCancelled {
            // Stopped by the operator: give the records in flight a moment to be reported.
            let grace = Task {
                try? await Task.sleep(nanoseconds: UInt64((limits.stallSeconds + 3) * 1e9))
                readerTask.cancel()
            }
            let result = await readerTask.value
            grace.cancel()
            return result
        }
        return await withTaskCancellationHandler {
            await readerTask.value
        } onCancel: {
            readerTask.cancel()
        }
    }

    struct SegmentState: Sendable {
        var machine: StreamSegmentMachine
        var closed = false
    }
}

extension Wire.Report {
    func outcomeNamingTopic(_ topic: String) -> Outcome {
        if case .failed(let code, _) = outcome {
            return .failed(code: code, message: RestErrorText.explain(code: code, message: message, topic: topic))
        }
        return outcome
    }
}

/// Collects reports into the ledger and passes each one on exactly once.
final class SendRun: Sendable {
    private let state = NIOLockedValueBox(DeliveryLedger())
    let onReport: @Sendable (DeliveryReport) -> Void

    init(onReport: @escaping @Sendable (DeliveryReport) -> Void) { self.onReport = onReport }

    var ledger: DeliveryLedger { state.withLockedValue { $0 } }

    func report(_ report: DeliveryReport) {
        let accepted = state.withLockedValue { $0.record(report) }
        if accepted { onReport(report) }
    }
}

/// Wakes the writer when a report arrives, the stream closes, or the stall watchdog ticks.
final class Wakeup: Sendable {
    private struct State {
        var flagged = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    func signal() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.flagged = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after the next `signal()` (or at once if one came since the last wait).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.flagged {
                    state.flagged = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// Pulls records from a source one ahead, numbering them and encoding each once.
final class RecordReader: @unchecked Sendable {
    // Used by one task at a time: the sending loop.
    let source: RecordSource
    let maximumBytes: Int
    private var seq = 0
    private var ahead: (Int, EventRecord, [UInt8])?
    private var exhausted = false

    let onRead: RecordReadHook?

    init(source: RecordSource, maximumBytes: Int, onRead: RecordReadHook? = nil) {
        self.source = source
        self.maximumBytes = maximumBytes
        self.onRead = onRead
    }

    func peek() throws -> (Int, EventRecord, [UInt8])? {
        if ahead == nil && !exhausted {
            guard let record = try source.next() else {
                exhausted = true
                return nil
            }
            seq += 1
            try RecordLimits.check(record, seq: seq, limit: maximumBytes)
            let request = RecordEncoding.produceRequest(record)
            onRead?(seq, record, request)
            ahead = (seq, record, request)
        }
        return ahead
    }

    func next() throws -> (Int, EventRecord, [UInt8])? {
        let record = try peek()
        ahead = nil
        return record
    }
}
