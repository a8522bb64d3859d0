import IngestKafka
import Logging
import NIOCore
import NIOPosix

/// One client connection of the front: SASL SCRAM first (answered here), then every frame
/// relayed to the upstream broker, with broker addresses in Metadata answers rewritten to
/// the front's own listeners.
final class FrontSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHandshake
        case authenticating(SCRAMServer, sentServerFirst: Bool)
        case relaying
        case closed
    }

    /// What an upstream answer is for, in request order.
    private enum Pending {
        case relayed(apiKey: Int16, version: Int16)
        /// A Metadata request with topics outside the allowed ones taken out.
        case metadata(version: Int16, plan: FrontTopicFilter.MetadataPlan)
        /// A Produce request with topics outside the allowed ones taken out.
        case produce(version: Int16, refused: [FrontTopicFilter.RefusedTopic])
        /// An answer made here, sent once the answers before it are.
        case local(ByteBuffer)
        /// A one-partition Produce request the produce guard passed on.
        case guarded(version: Int16, ticket: FrontProduceGuard.Ticket?)
        /// Our own ApiVersions v0 question, asked to answer the client's ApiVersions.
        case apiVersions(clientCorrelationID: Int32, clientVersion: Int16)
    }

    private let shared: FrontShared
    private let upstreamAddress: (host: String, port: Int)
    private let logger: Logger
    private var state = State.awaitingHandshake
    private var upstream: Channel?
    private var waitingForUpstream: [ByteBuffer] = []
    private var pending = CircularBuffer<Pending>()
    private var clientContext: ChannelHandlerContext?

    init(shared: FrontShared, upstream: (host: String, port: Int), logger: Logger) {
        self.shared = shared
        self.upstreamAddress = upstream
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        clientContext = context
        let session = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(session: session))
                }
            }
            .connect(host: upstreamAddress.host, port: upstreamAddress.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.upstream = channel
                    let waiting = self.waitingForUpstream
                    self.waitingForUpstream = []
                    for frame in waiting { self.sendUpstream(frame) }
                case .failure(let error):
                    self.logger.warning("front cannot reach upstream \(self.upstreamAddress.host):\(self.upstreamAddress.port): \(error)")
                    context.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        upstream?.close(promise: nil)
        clientContext = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("front client connection error: \(error)")
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            try handle(frame, context: context)
        } catch {
            logger.debug("front closes a connection: \(error)")
            context.close(promise: nil)
        }
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) throws {
        var reader = KafkaReader(frame)
        let apiKey = try reader.int16("api key")
        let version = try reader.int16("api version")
        let correlationID = try reader.int32("correlation id")
        _ = try reader.nullableString("client id")

        if case .relaying = state {
            try relay(frame, apiKey: apiKey, version: version, correlationID: correlationID, context: context)
            return
        }
        switch apiKey {
        case KafkaAPIKey.apiVersions.rawValue:
            // Asked upstream in v0 (every broker speaks it), answered in the client's version.
            // v3+ is refused the standard way (UNSUPPORTED_VERSION in the v0 layout), as
            // librdkafka 2.0.2 then retries with v2 which it parses reliably.
            pending.append(.apiVersions(clientCorrelationID: correlationID, clientVersion: version))
            var question = ByteBuffer()
            question.writeInteger(Int16(18))
            question.writeInteger(Int16(0))
            question.writeInteger(correlationID)
            question.writeKafkaString("ingest-front", flexible: false)
            sendUpstream(question)
        case KafkaAPIKey.saslHandshake.rawValue:
            let mechanism = try reader.string("mechanism")
            var body = ByteBuffer()
            let offered = shared.mechanisms.map(\.kafkaName)
            if let chosen = shared.mechanisms.first(where: { $0.kafkaName == mechanism }), version >= 1 {
                state = .authenticating(shared.scramServer(chosen), sentServerFirst: false)
                body.writeInteger(Int16(0))
            } else {
                body.writeInteger(version >= 1 ? KafkaErrorCode.unsupportedSaslMechanism.rawValue : KafkaErrorCode.unsupportedVersion.rawValue)
            }
            body.writeKafkaArrayCount(offered.count, flexible: false)
            for name in offered { body.writeKafkaString(name, flexible: false) }
            reply(correlationID: correlationID, flexibleHeader: false, body: body, context: context)
        case KafkaAPIKey.saslAuthenticate.rawValue:
            guard case .authenticating(var scram, let sentServerFirst) = state else {
                throw KafkaProtocolError("SaslAuthenticate before SaslHandshake")
            }
            let flexible = version >= 2
            if flexible { try reader.skipTaggedFields() }
            let token = String(decoding: try reader.bytes(flexible: flexible, "auth bytes"), as: UTF8.self)
            let answer: String
            let finished: Bool
            do {
                if !sentServerFirst {
                    answer = try scram.receiveClientFirst(token)
                    finished = false
                } else {
                    answer = try scram.receiveClientFinal(token)
                    finished = true
                }
            } catch {
                // What Apache Kafka says, so clients print their usual message.
                let message = "Authentication failed during authentication due to invalid credentials with SASL mechanism \(scram.mechanism.kafkaName)"
                reply(correlationID: correlationID, flexibleHeader: flexible,
                    body: Self.authenticateBody(version: version, error: KafkaErrorCode.saslAuthenticationFailed.rawValue, message: message, bytes: []),
                    context: context)
                state = .closed
                context.close(promise: nil)
                return
            }
            state = finished ? .relaying : .authenticating(scram, sentServerFirst: true)
            reply(correlationID: correlationID, flexibleHeader: flexible,
                body: Self.authenticateBody(version: version, error: 0, message: nil, bytes: Array(answer.utf8)), context: context)
        default:
            throw KafkaProtocolError("request \(apiKey) before authentication")
        }
    }

    private func relay(_ frame: ByteBuffer, apiKey: Int16, version: Int16, correlationID: Int32, context: ChannelHandlerContext) throws {
        // Produce with acks = 0 gets no answer: nothing to wait for.
        let answered = try apiKey != KafkaAPIKey.produce.rawValue || FrontTopicFilter.produceExpectsAnswer(frame, version: version)
        if apiKey == KafkaAPIKey.produce.rawValue, let topic = try FrontTopicFilter.firstProduceTopic(frame, version: version) {
            shared.countProduce(bytes: 4 + frame.readableBytes, topic: topic)
        }
        // What a broker checks of idempotent batches, and the front's own faults.
        if apiKey == KafkaAPIKey.produce.rawValue, answered,
            let single = try FrontTopicFilter.singleProduceBatch(frame, version: version),
            shared.allowedTopics?.contains(single.topic) ?? true
        {
            switch shared.produceGuard.decide(topic: single.topic, partition: single.partition, batch: single.records) {
            case .refuse(let code):
                answerHere(
                    FrontTopicFilter.produceErrorAnswer(
                        correlationID: correlationID, version: version, topic: single.topic, partition: single.partition, code: code),
                    context: context)
            case .relay(let ticket):
                pending.append(.guarded(version: version, ticket: ticket))
                sendUpstream(frame)
            }
            return
        }
        if let allowed = shared.allowedTopics {
            switch apiKey {
            case KafkaAPIKey.metadata.rawValue:
                let (request, plan) = try FrontTopicFilter.filterMetadataRequest(frame, version: version, allowed: allowed)
                pending.append(.metadata(version: version, plan: plan))
                sendUpstream(request)
                return
            case KafkaAPIKey.produce.rawValue:
                switch try FrontTopicFilter.filterProduceRequest(frame, version: version, allowed: allowed) {
                case .relay:
                    break
                case .relayPart(let request, let refused):
                    if answered { pending.append(.produce(version: version, refused: refused)) }
                    sendUpstream(request)
                    return
                case .refuseAll(let refused):
                    if answered {
                        answerHere(FrontTopicFilter.refusedProduceAnswer(correlationID: correlationID, version: version, refused: refused), context: context)
                    }
                    return
                }
            default:
                break
            }
        }
        if answered { pending.append(.relayed(apiKey: apiKey, version: version)) }
        sendUpstream(frame)
    }

    /// Sends an answer made here (size prefix not included) in its turn: Kafka clients expect
    /// answers in request order.
    private func answerHere(_ answer: ByteBuffer, context: ChannelHandlerContext) {
        if pending.isEmpty {
            writeToClient(answer, context: context)
        } else {
            pending.append(.local(answer))
        }
    }

    private func writeToClient(_ answer: ByteBuffer, context: ChannelHandlerContext) {
        var answer = answer
        var sized = ByteBuffer()
        sized.reserveCapacity(4 + answer.readableBytes)
        sized.writeInteger(Int32(answer.readableBytes))
        sized.writeBuffer(&answer)
        context.writeAndFlush(wrapOutboundOut(sized), promise: nil)
    }

    private static func authenticateBody(version: Int16, error: Int16, message: String?, bytes: [UInt8]) -> ByteBuffer {
        let flexible = version >= 2
        var body = ByteBuffer()
        body.writeInteger(error)
        body.writeKafkaString(message, flexible: flexible)
        body.writeKafkaBytes(bytes, flexible: flexible)
        if version >= 1 { body.writeInteger(Int64(0)) }  // session lifetime: no re-authentication
        body.writeEmptyTaggedFields(flexible: flexible)
        return body
    }

    private func reply(correlationID: Int32, flexibleHeader: Bool, body: ByteBuffer, context: ChannelHandlerContext) {
        var frame = ByteBuffer()
        frame.writeInteger(Int32(4 + (flexibleHeader ? 1 : 0) + body.readableBytes))
        frame.writeInteger(correlationID)
        frame.writeEmptyTaggedFields(flexible: flexibleHeader)
        frame.writeImmutableBuffer(body)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func sendUpstream(_ frame: ByteBuffer) {
        guard let upstream else {
            waitingForUpstream.append(frame)
            return
        }
        var sized = ByteBuffer()
        sized.writeInteger(Int32(frame.readableBytes))
        sized.writeImmutableBuffer(frame)
        upstream.writeAndFlush(sized, promise: nil)
    }

    /// An answer from upstream, for the oldest request we passed on.
    fileprivate func upstreamAnswered(_ frame: ByteBuffer) {
        guard let context = clientContext, let request = pending.popFirst() else { return }
        do {
            var out: ByteBuffer
            switch request {
            case .relayed(let apiKey, let version):
                out = apiKey == KafkaAPIKey.metadata.rawValue
                    ? try FrontRewriter.rewriteMetadata(frame, version: version, shared.advertised) : frame
            case .metadata(let version, let plan):
                out = try FrontRewriter.rewriteMetadata(
                    frame, version: version, shared.advertised, topics: shared.allowedTopics.map { ($0, plan) })
            case .produce(let version, let refused):
                out = try FrontTopicFilter.addRefused(refused, toProduceAnswer: frame, version: version)
            case .guarded(let version, let ticket):
                if let ticket {
                    var reader = KafkaReader(frame)
                    _ = try reader.int32("correlation id")
                    if KafkaAPIKey.produce.isFlexible(version) { try reader.skipTaggedFields() }
                    let answer = try ProduceResponse(from: &reader, version: version)
                    shared.produceGuard.settle(ticket, errorCode: answer.topics.first?.partitions.first?.errorCode ?? 0)
                }
                out = frame
            case .local(let answer):
                // Not reached: local answers are sent as soon as they reach the head (below).
                writeToClient(answer, context: context)
                return
            case .apiVersions(let clientCorrelationID, let clientVersion):
                var reader = KafkaReader(frame)
                _ = try reader.int32("correlation id")
                var versions = try ApiVersionsResponse(from: &reader, version: 0)
                versions.apiKeys.removeAll { [17, 18, 36].contains($0.apiKey) }
                // librdkafka wants v0 listed to use SASL at all; it then speaks v1, the only one served.
                versions.apiKeys.append(.init(apiKey: 17, minVersion: 0, maxVersion: 1))
                versions.apiKeys.append(.init(apiKey: 18, minVersion: 0, maxVersion: 2))
                versions.apiKeys.append(.init(apiKey: 36, minVersion: 0, maxVersion: 1))
                if clientVersion > 2 { versions.errorCode = KafkaErrorCode.unsupportedVersion.rawValue }
                out = ByteBuffer()
                out.writeInteger(clientCorrelationID)
                out.writeImmutableBuffer(versions.encode(version: min(clientVersion, 2)))
            }
            writeToClient(out, context: context)
            while case .local(let answer)? = pending.first {
                pending.removeFirst()
                writeToClient(answer, context: context)
            }
        } catch {
            logger.debug("front cannot rewrite an upstream answer: \(error)")
            context.close(promise: nil)
        }
    }

    fileprivate func upstreamClosed() {
        shared.produceGuard.lost(pending.compactMap { if case .guarded(_, let ticket?) = $0 { ticket } else { nil } })
        pending.removeAll()
        clientContext?.close(promise: nil)
    }
}

private final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let session: NIOLoopBound<FrontSession>

    init(session: NIOLoopBound<FrontSession>) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.value.upstreamAnswered(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.value.upstreamClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
