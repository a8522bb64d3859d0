import DequeModule
import HummingbirdCore
import Logging
import NIOCore

/// Delays every byte by a fixed time in each direction, as a link `delay` away does: order is
/// kept and throughput is not capped (nothing waits for anything but the clock). It sits first
/// in the pipeline, under TLS, so handshakes pay the round trip too. Closing waits for the
/// bytes written before it, as a socket's close does.
final class LatencyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Inbound {
        case read(NIOAny)
        case event(Any)
        case inactive
    }

    private enum Outbound {
        case write(NIOAny, EventLoopPromise<Void>?)
        case close(CloseMode, EventLoopPromise<Void>?)
    }

    private let delay: TimeAmount
    /// What one read of a socket returns at most (NIO's default read buffer).
    static let readSize = 64 * 1024
    private var inbound = Deque<(due: NIODeadline, item: Inbound)>()
    private var outbound = Deque<(due: NIODeadline, item: Outbound)>()
    private var inboundTimer: Scheduled<Void>?
    private var outboundTimer: Scheduled<Void>?

    init(delay: TimeAmount) {
        self.delay = delay
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        enqueue(.read(data), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        enqueue(.event(event), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        enqueue(.inactive, context: context)
    }

    private func enqueue(_ item: Inbound, context: ChannelHandlerContext) {
        inbound.append((.now() + delay, item))
        scheduleInbound(context: context)
    }

    private func scheduleInbound(context: ChannelHandlerContext) {
        guard inboundTimer == nil, let first = inbound.first else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        inboundTimer = context.eventLoop.scheduleTask(deadline: first.due) {
            let (handler, context) = bound.value
            handler.inboundTimer = nil
            handler.deliverInbound(context: context)
        }
    }

    private func deliverInbound(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        var read = false
        while let first = inbound.first, first.due <= now {
            inbound.removeFirst()
            switch first.item {
            case .read(let data):
                read = true
                // A socket read returns what arrived meanwhile, up to its buffer's size: bytes
                // due together go up as one read, as they would from a link this far away.
                var bytes = unwrapInboundIn(data)
                while bytes.readableBytes < Self.readSize, let next = inbound.first, next.due <= now, case .read(let more) = next.item {
                    inbound.removeFirst()
                    var more = unwrapInboundIn(more)
                    bytes.writeBuffer(&more)
                }
                context.fireChannelRead(wrapInboundOut(bytes))
            case .event(let event):
                context.fireUserInboundEventTriggered(event)
            case .inactive:
                if read { context.fireChannelReadComplete() }
                read = false
                context.fireChannelInactive()
            }
        }
        if read { context.fireChannelReadComplete() }
        scheduleInbound(context: context)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        outbound.append((.now() + delay, .write(data, promise)))
        scheduleOutbound(context: context)
    }

    func flush(context: ChannelHandlerContext) {}

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Closing the input is local (nothing travels): at once. The rest follows the bytes.
        if mode == .input {
            context.close(mode: mode, promise: promise)
            return
        }
        outbound.append((.now() + delay, .close(mode, promise)))
        scheduleOutbound(context: context)
    }

    private func scheduleOutbound(context: ChannelHandlerContext) {
        guard outboundTimer == nil, let first = outbound.first else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        outboundTimer = context.eventLoop.scheduleTask(deadline: first.due) {
            let (handler, context) = bound.value
            handler.outboundTimer = nil
            handler.deliverOutbound(context: context)
        }
    }

    private func deliverOutbound(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        var wrote = false
        while let first = outbound.first, first.due <= now {
            outbound.removeFirst()
            switch first.item {
            case .write(let data, let promise):
                wrote = true
                context.write(data, promise: promise)
            case .close(let mode, let promise):
                if wrote { context.flush() }
                wrote = false
                context.close(mode: mode, promise: promise)
            }
        }
        if wrote { context.flush() }
        scheduleOutbound(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        inboundTimer?.cancel()
        outboundTimer?.cancel()
        for (_, item) in outbound {
            switch item {
            case .write(_, let promise), .close(_, let promise): promise?.fail(ChannelError.ioOnClosedChannel)
            }
        }
        outbound.removeAll()
        inbound.removeAll()
    }
}

/// A server child channel with a `LatencyHandler` under whatever `base` sets up (TLS, HTTP).
struct LatencyChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let delay: @Sendable () -> TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let delay = delay()
        guard delay > .zero else { return base.setup(channel: channel, logger: logger) }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(LatencyHandler(delay: delay), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension LatencyChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}
