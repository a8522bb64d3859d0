import Foundation
import IngestKafka
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A TLS + SASL SCRAM listener in front of a plaintext Kafka cluster (such as librdkafka's
/// mock cluster), one listener per upstream broker, so clients can be tested with
/// `security.protocol=SASL_SSL` on loopback. The TLS certificate comes from a CA generated
/// at start; clients trust it through `caCertificatePEM`.
public final class KafkaSecureFront: Sendable {
    public struct Configuration: Sendable {
        /// "host:port" of each plaintext broker; the front gets one listener per entry.
        public var upstreams: [String]
        /// Users and their passwords; only SCRAM credentials derived from them are kept.
        public var users: [String: String]
        public var mechanisms: [SCRAMMechanism]
        public var listenHost: String
        /// The host name clients are told to use.
        public var advertisedHost: String
        /// DNS names and IPv4 addresses the server certificate is valid for; nil means the
        /// advertised host and the listening address.
        public var certificateNames: [String]?
        /// The topics clients may see and write to; nil means every topic of the cluster.
        /// Others are answered UNKNOWN_TOPIC_OR_PARTITION by the front and never reach the
        /// cluster, so a cluster that auto-creates topics on Metadata (librdkafka's mock does)
        /// cannot create them.
        public var allowedTopics: Set<String>?
        /// The highest TLS version offered (nil: TLS 1.3), and the TLS 1.2 cipher suites
        /// (nil: swift-nio-ssl's defaults): for tests of what clients refuse.
        public var maximumTLSVersion: TLSVersion?
        public var tls12CipherSuites: [NIOTLSCipher]?

        public init(
            upstreams: [String], users: [String: String], mechanisms: [SCRAMMechanism] = [.sha512, .sha256],
            listenHost: String = "127.0.0.1", advertisedHost: String = "localhost", certificateNames: [String]? = nil,
            allowedTopics: Set<String>? = nil
        ) {
            self.upstreams = upstreams
            self.users = users
            self.mechanisms = mechanisms
            self.listenHost = listenHost
            self.advertisedHost = advertisedHost
            self.certificateNames = certificateNames
            self.allowedTopics = allowedTopics
        }
    }

    public let caCertificatePEM: String
    /// "advertisedHost:port" of every listener, comma-separated, in upstream order.
    public let bootstrap: String
    private let channels: [Channel]
    private let shared: FrontShared

    private init(caCertificatePEM: String, bootstrap: String, channels: [Channel], shared: FrontShared) {
        self.caCertificatePEM = caCertificatePEM
        self.bootstrap = bootstrap
        self.channels = channels
        self.shared = shared
    }

    public static func start(
        _ configuration: Configuration, logger: Logger = Logger(label: "ingest.kafka.front", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> KafkaSecureFront {
        let upstreams = try configuration.upstreams.map { address -> (host: String, port: Int) in
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                throw KafkaProducerError.invalidConfiguration("upstream '\(address)' is not host:port")
            }
            return (String(address[..<colon]), port)
        }
        let certificates = try FrontCertificates.make(
            hostnames: configuration.certificateNames ?? [configuration.advertisedHost, configuration.listenHost])
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificates.serverCertificate)], privateKey: .privateKey(certificates.serverKey))
        tls.minimumTLSVersion = .tlsv12
        tls.maximumTLSVersion = configuration.maximumTLSVersion
        if let suites = configuration.tls12CipherSuites { tls.cipherSuiteValues = suites }
        let sslContext = try NIOSSLContext(configuration: tls)
        let shared = FrontShared(configuration: configuration)

        var channels: [Channel] = []
        var ports: [Int] = []
        do {
            for upstream in upstreams {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let sync = channel.pipeline.syncOperations
                            try sync.addHandler(NIOSSLServerHandler(context: sslContext))
                            try sync.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                            try sync.addHandler(FrontSession(shared: shared, upstream: upstream, logger: logger))
                        }
                    }
                    .bind(host: configuration.listenHost, port: 0).get()
                channels.append(channel)
                ports.append(channel.localAddress?.port ?? 0)
            }
        } catch {
            for channel in channels { try? await channel.close().get() }
            throw error
        }
        var map: [String: Int] = [:]
        for (upstream, port) in zip(upstreams, ports) { map["\(upstream.host):\(upstream.port)"] = port }
        shared.setAdvertised(map)
        return KafkaSecureFront(
            caCertificatePEM: certificates.caPEM,
            bootstrap: ports.map { "\(configuration.advertisedHost):\($0)" }.joined(separator: ","), channels: channels,
            shared: shared)
    }

    /// The next Produce requests (for one partition, of any client) are refused with these
    /// Kafka error codes, answered by the front as a broker would, in order: a test fault.
    /// Unlike the mock cluster's own, a refused batch is surely not stored, and the batches
    /// behind it meet the front's sequence check, so an idempotent producer keeps its order.
    public func failNextProduceRequests(_ codes: [Int16]) {
        shared.produceGuard.failNext(codes)
    }

    /// Bytes of the Produce requests clients sent for `topic` (size prefixes included, TLS
    /// not): what a producer puts on the wire for its records, compression included.
    public func produceRequestBytes(topic: String) -> Int {
        shared.produceBytes(topic: topic)
    }

    public func stop() async {
        for channel in channels { try? await channel.close().get() }
    }
}

/// What all sessions of one front share: credentials and the upstream -> listener map.
final class FrontShared: Sendable {
    let mechanisms: [SCRAMMechanism]
    let allowedTopics: Set<String>?
    private let credentials: [SCRAMMechanism: [String: SCRAMCredential]]
    private let listeners = NIOLockedValueBox<[String: Int]>([:])
    private let produced = NIOLockedValueBox<[String: Int]>([:])
    let produceGuard = FrontProduceGuard()

    func countProduce(bytes: Int, topic: String) {
        produced.withLockedValue { $0[topic, default: 0] += bytes }
    }

    func produceBytes(topic: String) -> Int {
        produced.withLockedValue { $0[topic] ?? 0 }
    }
    private let advertisedHost: String

    init(configuration: KafkaSecureFront.Configuration) {
        mechanisms = configuration.mechanisms
        allowedTopics = configuration.allowedTopics
        advertisedHost = configuration.advertisedHost
        var credentials: [SCRAMMechanism: [String: SCRAMCredential]] = [:]
        for mechanism in configuration.mechanisms {
            for (user, password) in configuration.users {
                let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
                credentials[mechanism, default: [:]][user] = SCRAMCredential(mechanism: mechanism, password: password, salt: salt)
            }
        }
        self.credentials = credentials
    }

    func scramServer(_ mechanism: SCRAMMechanism) -> SCRAMServer {
        let users = credentials[mechanism] ?? [:]
        return SCRAMServer(mechanism: mechanism) { users[$0] }
    }

    func setAdvertised(_ map: [String: Int]) {
        listeners.withLockedValue { $0 = map }
    }

    /// Maps an upstream broker address to the front listener that relays to it.
    var advertised: @Sendable (String, Int32) -> (String, Int32)? {
        let map = listeners.withLockedValue { $0 }
        let host = advertisedHost
        return { upstreamHost, upstreamPort in
            for candidate in [upstreamHost, "127.0.0.1", "localhost"] {
                if let port = map["\(candidate):\(upstreamPort)"] { return (host, Int32(port)) }
            }
            return nil
        }
    }
}
