import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One authenticated connection to one broker, with the API versions agreed on it.
final class KafkaConnection: Sendable {
    let address: String
    let channel: Channel
    let clientID: String
    private let versions: ApiVersionsResponse

    private init(address: String, channel: Channel, clientID: String, versions: ApiVersionsResponse) {
        self.address = address
        self.channel = channel
        self.clientID = clientID
        self.versions = versions
    }

    var isActive: Bool { channel.isActive }

    func version(for api: KafkaAPIKey) -> Int16? {
        versions.negotiatedVersion(for: api)
    }

    /// Sends a request and decodes the answer. Errors are `KafkaConnectionError` (no answer)
    /// or `KafkaProtocolError` (an answer we could not read).
    func send<R: KafkaRequest, T: KafkaResponse>(_ request: R, as: T.Type) async throws -> T {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let frame = KafkaFraming.encode(request, correlationID: 0, clientID: clientID)
        channel.writeAndFlush(KafkaOutboundRequest(frame: frame, promise: promise)).whenFailure { [address] error in
            promise.fail(
                KafkaConnectionError(
                    message: "could not write to \(address): \(KafkaErrorDescription.describe(error))",
                    mayHaveReachedBroker: false))
        }
        let response = try await promise.futureResult.get()
        return try KafkaFraming.decode(T.self, frame: response, apiKey: R.apiKey, version: request.version)
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
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(configuration.connectTimeout.milliseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        // SNI cannot carry an IP address; NIOSSL then checks the IP against the certificate.
                        let sniHost = host.isIPAddressLiteral ? nil : host
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sniHost))
                    }
                    try sync.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try sync.addHandler(KafkaClientHandler(peer: address, requestTimeout: requestTimeout))
                }
            }
            .connect(host: host, port: port).get()
        do {
            let bootstrap = KafkaConnection(
                address: address, channel: channel, clientID: configuration.clientID,
                versions: ApiVersionsResponse(errorCode: 0, apiKeys: []))
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
                address: address, channel: channel, clientID: configuration.clientID, versions: versions)
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
