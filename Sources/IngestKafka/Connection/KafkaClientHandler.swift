import NIOCore

/// Why a request got no answer. `mayHaveReachedBroker` decides between retrying and
/// reporting the outcome as unknown.
struct KafkaConnectionError: Error, Sendable, CustomStringConvertible {
    var message: String
    var mayHaveReachedBroker: Bool
    /// The TLS layer failed (certificate, hostname, handshake): retrying elsewhere won't help.
    var isTLSFailure = false
    var description: String { message }
}

/// One outbound request: a fully framed request whose correlation id the handler stamps.
struct KafkaOutboundRequest: Sendable {
    var frame: KafkaFrame
    var promise: EventLoopPromise<ByteBuffer>
}

/// Matches responses to requests. Kafka answers in request order on a connection, so a FIFO
/// of pending requests suffices; the correlation id is still checked to catch a confused peer.
final class KafkaClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = KafkaOutboundRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var correlationID: Int32
        var promise: EventLoopPromise<ByteBuffer>
        var timeout: Scheduled<Void>?
    }

    private let requestTimeout: TimeAmount
    private let peer: String
    private var pending = CircularBuffer<Pending>()
    private var nextCorrelationID: Int32 = 1
    private var closedError: KafkaConnectionError?

    init(peer: String, requestTimeout: TimeAmount) {
        self.peer = peer
        self.requestTimeout = requestTimeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var request = unwrapOutboundIn(data)
        if var closedError {
            closedError.mayHaveReachedBroker = false
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        let correlationID = nextCorrelationID
        nextCorrelationID = nextCorrelationID == .max ? 1 : nextCorrelationID + 1
        request.frame.pieces[0].setInteger(correlationID, at: request.frame.pieces[0].readerIndex + 8)
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) { [weak self] () -> Void in
            self?.timedOut(context: context, correlationID: correlationID)
        }
        pending.append(Pending(correlationID: correlationID, promise: request.promise, timeout: timeout))
        let last = request.frame.pieces.count - 1
        for (index, piece) in request.frame.pieces.enumerated() {
            context.write(wrapOutboundOut(piece), promise: index == last ? promise : nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let first = pending.popFirst() else {
            fail(context: context, message: "\(peer) sent a response nobody asked for")
            return
        }
        first.timeout?.cancel()
        guard let correlationID = try? KafkaFraming.correlationID(of: frame), correlationID == first.correlationID else {
            first.promise.fail(KafkaConnectionError(message: "\(peer) answered out of order", mayHaveReachedBroker: true))
            fail(context: context, message: "\(peer) answered out of order")
            return
        }
        first.promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(message: "connection to \(peer) closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if closedError == nil, KafkaErrorDescription.isTLS(error) {
            closedError = KafkaConnectionError(
                message: KafkaErrorDescription.describe(error), mayHaveReachedBroker: false, isTLSFailure: true)
        }
        fail(context: context, message: "connection to \(peer) failed: \(KafkaErrorDescription.describe(error))")
    }

    private func timedOut(context: ChannelHandlerContext, correlationID: Int32) {
        guard pending.contains(where: { $0.correlationID == correlationID }) else { return }
        // The connection's answers are now out of step: drop it, a new one will be made.
        fail(context: context, message: "\(peer) did not answer within \(requestTimeout.nanoseconds / 1_000_000_000) s")
    }

    private func fail(context: ChannelHandlerContext, message: String) {
        failAll(message: message)
        context.close(promise: nil)
    }

    private func failAll(message: String) {
        if closedError == nil {
            closedError = KafkaConnectionError(message: message, mayHaveReachedBroker: false)
        }
        var error = closedError!
        error.mayHaveReachedBroker = true
        while let entry = pending.popFirst() {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
    }
}
