import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// The REST Proxy v3 client: discovery, and single, batch and full-duplex stream sends.
public final class RestClient: Sendable {
    public let baseURL: String
    public let profile: Profile
    let http: HTTPClient
    let apiKey: Secret
    let logger: Logger
    let host: String
    let environment: [String: String]
    let connectTimeout: TimeAmount
    let readTimeout: TimeAmount
    /// Extra CA certificates (PEM) trusted for HTTPS: the profile's `kafka.ca_file`, or the
    /// embedded sandbox's CA.
    public let caFile: String
    private let clusterCache = Mutex<String?>(nil)
    /// Where single and batch sends run: the event loop of their kept-alive connections.
    let requestExecutor: EventLoopTaskExecutor
    /// Single and batch requests' own connections; nil through an HTTP proxy.
    let requestConnections: RequestConnections?
    /// The largest answer body read.
    static let maxAnswerBytes = 16 * 1024 * 1024
    /// The fastest GET answer seen, in ms: an upper bound of the path's round trip.
    private let roundTrip = Mutex<Double?>(nil)
    var tlsMinimum: TLSMinimumVersion { profile.tlsMinVersion }
    public static let defaultConnectTimeout: TimeAmount = .seconds(10)
    public static let defaultReadTimeout: TimeAmount = .seconds(30)

    /// `baseURL` overrides the profile's (the embedded sandbox's address), `caFile` the
    /// profile's `kafka.ca_file` (the embedded sandbox's CA).
    public init(profile: Profile, apiKey: Secret, baseURL: String? = nil, caFile: String? = nil,
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
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.caFile = caFile ?? profile.kafka.caFile

        let tls: TLSConfiguration
        do {
            tls = try TLSPolicy.clientConfiguration(minimum: profile.tlsMinVersion, caFile: components.scheme == "https" ? self.caFile : nil)
        } catch {
            throw InputError("\(profile.source): kafka.ca_file \(self.caFile) is not a readable PEM certificate file")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // Requests in flight together (single and batch `concurrency`, a stream's segments)
        // each keep a connection of their own alive.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(64, profile.concurrency)
        configuration.timeout = .init(connect: connectTimeout, read: readTimeout)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        // Report a refused or unresolvable host at once instead of retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy = ProxySettings.proxy(forScheme: components.scheme ?? "https", host: host, environment: environment) {
            configuration.proxy = .server(host: proxy.host, port: proxy.port)
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let loop = HTTPClient.defaultEventLoopGroup.next()
        self.requestExecutor = EventLoopTaskExecutor(loop: loop)
        if configuration.proxy == nil {
            let context: NIOSSLContext?
            do { context = components.scheme == "https" ? try NIOSSLContext(configuration: tls) : nil } catch {
                throw InputError("\(profile.source): TLS settings for \(host) are not usable: \(error)")
            }
            self.requestConnections = RequestConnections(loop: loop, host: host, port: components.port, basePath: components.percentEncodedPath,
                                                         tls: context, connectTimeout: connectTimeout, readTimeout: readTimeout)
        } else {
            self.requestConnections = nil
        }
        logger.debug("REST client", metadata: ["base": "\(base)", "proxy": "\(configuration.proxy.map { "\($0.host):\($0.port)" } ?? "none")",
                                              "tls_min": "\(profile.tlsMinVersion)", "api_key": "\(apiKey.masked)"])
    }

    public func shutdown() async {
        guard markShutdown() else { return }
        requestConnections?.shutdown()
        try? await http.shutdown()
    }

    /// The same client with another read timeout (`--timeout`): a sibling with its own
    /// connections, to be shut down by whoever asked for it.
    public func with(readTimeout: TimeAmount) throws -> RestClient {
        try RestClient(profile: profile, apiKey: apiKey, baseURL: baseURL, caFile: caFile,
                       environment: environment, connectTimeout: connectTimeout, readTimeout: readTimeout, logger: logger)
    }

    /// How long a single or batch request may take in all, once written: the read timeout is
    /// the limit that matters, this only bounds a server that trickles bytes.
    var answerTimeout: TimeAmount { readTimeout + .seconds(30) }

    private let isShutdown = Mutex(false)

    /// True the first time: the client is shut down exactly once.
    private func markShutdown() -> Bool {
        isShutdown.withLock { done in
            defer { done = true }
            return !done
        }
    }

    // A client dropped on an error path must not bring the process down (async-http-client
    // traps on a client that was never shut down): shut it down in the background instead.
    deinit {
        if markShutdown() {
            requestConnections?.shutdown()
            _ = http.shutdown()
        }
    }

    func request(_ path: String, method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = requestHeaders(method)
        logRequest(method, path, request.headers)
        return request
    }

    func logRequest(_ method: HTTPMethod, _ path: String, _ headers: HTTPHeaders) {
        if logger.logLevel <= .debug {
            logger.debug("\(method) \(baseURL + path)", metadata: ["headers": "\(Self.maskedHeaders(headers))"])
        }
    }

    /// The headers every request carries: the API key, and JSON both ways.
    func requestHeaders(_ method: HTTPMethod) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "x-api-key", value: apiKey.reveal())
        headers.add(name: "Accept", value: "application/json")
        if method == .POST { headers.add(name: "Content-Type", value: "application/json") }
        return headers
    }

    /// Headers as a debug log shows them: the API key masked like everywhere else.
    static func maskedHeaders(_ headers: HTTPHeaders) -> String {
        headers.map { name, value in
            name.lowercased() == "x-api-key" || name.lowercased() == "authorization" ? "\(name): \(Secret(value).masked)" : "\(name): \(value)"
        }.joined(separator: ", ")
    }

    /// The path's round trip as far as known (the fastest GET), in milliseconds.
    var measuredRoundTripMilliseconds: Double? { roundTrip.withLock { $0 } }

    /// GET a JSON body, turning every failure into a `RestError` that says what to do. A
    /// gateway's 429 or 503 is waited out (with `throttle`'s pauses) for up to a minute.
    func getJSON<T: Decodable>(_ path: String, as type: T.Type, throttle: SendThrottle? = nil) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                return try await getJSONOnce(path, as: type)
            } catch let error as RestError {
                guard case .http(let status) = error.kind, ContinuousClock.now < deadline,
                      let refusal = Refusal.request(status: status, retryAfter: nil, code: error.code, message: error.description) else { throw error }
                let throttle = throttle ?? SendThrottle(run: SendRun(sinks: []))
                throttle.refused(refusal)
                try await throttle.acquire()
            }
        }
    }

    private func getJSONOnce<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response: HTTPClientResponse
        let started = ContinuousClock.now
        do {
            response = try await http.execute(request(path, method: .GET), timeout: .seconds(30), logger: logger)
        } catch {
            throw await explained(RestErrorText.transport(error, host: host, sent: false, tlsMinimum: tlsMinimum), error)
        }
        let elapsed = (ContinuousClock.now - started).inMilliseconds
        roundTrip.withLock { $0 = min($0 ?? elapsed, elapsed) }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: Self.maxAnswerBytes) } catch {
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

    /// A TLS failure that ingest's policy may have caused says what the server offers.
    private func explained(_ failure: RestError, _ error: any Error) async -> RestError {
        guard failure.kind == .tls, TLSFailure(error)?.mayBeThePolicy == true,
              let components = URLComponents(string: baseURL), let host = components.host,
              let reason = await TLSProbe.explain(host: host, port: components.port ?? 443) else { return failure }
        return RestError(kind: .tls, code: ClientErrorCode.tls, description: "TLS with \(host) failed: \(reason)")
    }

    /// The first cluster's id, asked once per client.
    public func clusterID() async throws -> String {
        try await clusterID(throttle: nil)
    }

    func clusterID(throttle: SendThrottle?) async throws -> String {
        if let cached = clusterCache.withLock({ $0 }) { return cached }
        guard let first = try await getJSON("/clusters", as: Wire.ClusterList.self, throttle: throttle).data.first else {
            throw RestError(kind: .protocolViolation, code: 200, description: "the proxy lists no Kafka cluster")
        }
        clusterCache.withLock { $0 = first.cluster_id }
        return first.cluster_id
    }

    /// Cluster id, then its brokers through `brokers.related`, rebased on our base URL.
    public func discover() async throws -> Discovery {
        let cluster = try await clusters().first
        guard let cluster else {
            throw RestError(kind: .protocolViolation, code: 200, description: "the proxy lists no Kafka cluster")
        }
        clusterCache.withLock { $0 = cluster.cluster_id }
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
}
