import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One authenticated connection to one broker, with the API versions agreed on it.
final class KafkaConnection: Sendable {
    let address: String
    let channel: Channel
    let clientID: String
    private let versions: ApiVersionsResponse
    /// The TLS version and cipher suite negotiated (nil on plaintext).
    let tls: KafkaTLSSession?

    private init(address: String, channel: Channel, clientID: String, versions: ApiVersionsResponse, tls: KafkaTLSSession?) {
        self.address = address
        self.channel = channel
        self.clientID = clientID
        self.versions = versions
        self.tls = tls
    }

    var isActive: Bool { channel.isActive }

    func version(for api: KafkaAPIKey) -> Int16? {
        versions.negotiatedVersion(for: api)
    }

    /// Sends a request and decodes the answer. Errors are `KafkaConnectionError` (no answer)
    /// or `KafkaProtocolError` (an answer we could not read).
    func send<R: KafkaRequest, T: KafkaResponse>(_ request: R, as: T.Type) async throws -> T {
        let response = try await write(request).get()
        return try KafkaFraming.decode(T.self, frame: response, apiKey: R.apiKey, version: request.version)
    }

    /// Writes a request now, so requests written one after the other go in that order, and
    /// returns its answer frame to come.
    func write<R: KafkaRequest>(_ request: R) -> EventLoopFuture<ByteBuffer> {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let frame = KafkaFraming.encodeFrame(request, correlationID: 0, clientID: clientID)
        channel.writeAndFlush(KafkaOutboundRequest(frame: frame, promise: promise)).whenFailure { [address] error in
            promise.fail(
                KafkaConnectionError(
                    message: "could not write to \(address): \(KafkaErrorDescription.describe(error))",
                    mayHaveReachedBroker: false))
        }
        return promise.futureResult
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Connects, negotiates API versions and authenticates (SASL SCRAM) when configured.
    static func connect(
        host: String, port: Int, configuration: KafkaProducerConfiguration, sslContext: NIOSSLContext?,
        group: EventLoopGroup, logger: Logger
    ) async throws -> KafkaConnection {
        let address = "\(host):\(port)"
        let requestTimeout = TimeAmount.milliseconds(configuration.requestTimeout.milliseconds)
        // Happy eyeballs may try several channels; remember each one's handshake.
        let handshakes = LockedBox<[ObjectIdentifier: EventLoopFuture<Void>]>([:])
        let hellos = LockedBox<[ObjectIdentifier: NIOLoopBound<TLSServerHello>]>([:])
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(configuration.connectTimeout.milliseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        // SNI cannot carry an IP address; NIOSSL then checks the IP against the certificate.
                        let sniHost = host.isIPAddressLiteral ? nil : host
                        let hello = TLSServerHello()
                        hellos.withLock { $0[ObjectIdentifier(channel)] = NIOLoopBound(hello, eventLoop: channel.eventLoop) }
                        try sync.addHandler(hello)
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sniHost))
                        let waiter = TLSHandshakeWaiter(promise: channel.eventLoop.makePromise())
                        handshakes.withLock { $0[ObjectIdentifier(channel)] = waiter.promise.futureResult }
                        try sync.addHandler(waiter)
                    }
                    try sync.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try sync.addHandler(KafkaClientHandler(peer: address, requestTimeout: requestTimeout))
                }
            }
            .connect(host: host, port: port).get()
        do {
            // Wait for TLS to finish, so its failure is reported as itself and not as the
            // closed connection it leaves behind.
            var tls: KafkaTLSSession?
            if let handshake = handshakes.withLock({ $0[ObjectIdentifier(channel)] }) {
                try await handshake.get()
                tls = try await Self.negotiated(on: channel, hello: hellos.withLock { $0[ObjectIdentifier(channel)] })
            }
            let bootstrap = KafkaConnection(
                address: address, channel: channel, clientID: configuration.clientID,
                versions: ApiVersionsResponse(errorCode: 0, apiKeys: []), tls: tls)
            var versions = try await bootstrap.send(ApiVersionsRequest(version: 3), as: ApiVersionsResponse.self)
            if versions.errorCode == KafkaErrorCode.unsupportedVersion.rawValue {
                let fallback = versions.negotiatedVersion(for: .apiVersions) ?? 0
                versions = try await bootstrap.send(ApiVersionsRequest(version: fallback), as: ApiVersionsResponse.self)
            }
            guard versions.errorCode == 0 else {
                throw KafkaProducerError.brokerError(
                    "\(address) refused ApiVersions: \(KafkaErrorCode.name(of: versions.errorCode))")
            }
            let connection = KafkaConnection(
                address: address, channel: channel, clientID: configuration.clientID, versions: versions, tls: tls)
            if case .saslSSL(let username, let password, let mechanism, _) = configuration.security {
                try await connection.authenticate(username: username, password: password, mechanism: mechanism)
            }
            logger.debug("connected", metadata: ["broker": "\(address)"])
            return connection
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// The version and suite of a finished handshake. A TLS 1.2 suite without forward secrecy
    /// is refused (the producer offers none, so only a broken peer could pick one).
    private static func negotiated(on channel: Channel, hello: NIOLoopBound<TLSServerHello>?) async throws -> KafkaTLSSession? {
        let version = try await channel.nioSSL_tlsVersion().get()
        let suite = try await channel.eventLoop.submit { hello?.value.cipherSuite }.get()
        guard let version, let suite else { return nil }
        let name: String
        switch version {
        case .tlsv13: name = "TLSv1.3"
        case .tlsv12: name = "TLSv1.2"
        case .tlsv11: name = "TLSv1.1"
        case .tlsv1: name = "TLSv1.0"
        }
        let session = KafkaTLSSession(version: name, cipherSuite: suite)
        guard TLSServerHello.isForwardSecret(suite) else {
            throw KafkaConnectionError(
                message: "the broker chose \(session.cipherSuiteName), which has no forward secrecy", mayHaveReachedBroker: false,
                isTLSFailure: true)
        }
        return session
    }

    private func authenticate(username: String, password: String, mechanism: SCRAMMechanism) async throws {
        let handshake = try await send(SaslHandshakeRequest(mechanism: mechanism.kafkaName), as: SaslHandshakeResponse.self)
        guard handshake.errorCode == 0 else {
            throw KafkaProducerError.authenticationFailed(
                username: username, mechanism: mechanism.kafkaName,
                detail: "broker \(address) does not offer it (offers \(handshake.mechanisms.joined(separator: ", ")))")
        }
        guard let version = version(for: .saslAuthenticate) else {
            throw KafkaProducerError.brokerError("\(address) does not support SaslAuthenticate")
        }
        var scram = SCRAMClient(mechanism: mechanism, username: username, password: password)
        let first = try await send(
            SaslAuthenticateRequest(version: version, authBytes: Array(scram.clientFirstMessage().utf8)),
            as: SaslAuthenticateResponse.self)
        try checkAuthentication(first, username: username, mechanism: mechanism)
        let clientFinal: String
        do {
            clientFinal = try scram.receiveServerFirst(String(decoding: first.authBytes, as: UTF8.self))
        } catch {
            throw KafkaProducerError.authenticationFailed(
                username: username, mechanism: mechanism.kafkaName, detail: String(describing: error))
        }
        let final = try await send(
            SaslAuthenticateRequest(version: version, authBytes: Array(clientFinal.utf8)), as: SaslAuthenticateResponse.self)
        try checkAuthentication(final, username: username, mechanism: mechanism)
        do {
            try scram.receiveServerFinal(String(decoding: final.authBytes, as: UTF8.self))
        } catch {
            throw KafkaProducerError.authenticationFailed(
                username: username, mechanism: mechanism.kafkaName, detail: String(describing: error))
        }
    }

    private func checkAuthentication(_ response: SaslAuthenticateResponse, username: String, mechanism: SCRAMMechanism)
        throws
    {
        guard response.errorCode == 0 else {
            throw KafkaProducerError.authenticationFailed(
                username: username, mechanism: mechanism.kafkaName,
                detail: "\(KafkaErrorCode.name(of: response.errorCode)): \(response.errorMessage ?? "no detail")")
        }
    }
}

extension String {
    var isIPAddressLiteral: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}

/// Completes a promise when the TLS handshake succeeds or fails (later events are ignored).
private final class TLSHandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            promise.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(KafkaConnectionError(message: "connection closed during the TLS handshake", mayHaveReachedBroker: false))
        context.fireChannelInactive()
    }
}
