import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// What one request-response exchange answered.
struct ExchangeAnswer: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]
}

/// Single and batch requests over kept-alive HTTP/1.1 connections of our own, all on one event
/// loop, the one the sending task runs on (`EventLoopTaskExecutor`). A request leaves in one
/// write (head and body flushed together, as curl sends them) and its answer is handed to the
/// waiting task on the same thread: on loopback that took single-send latency from 1.2-1.4x
/// curl's to about 1.0x. Discovery and streams stay on async-http-client, and so do
/// requests through an HTTP proxy.
final class RequestConnections: Sendable {
    let loop: any EventLoop
    private let host: String
    private let port: Int
    /// The base URL's path (`/v3`), before each request's own.
    private let basePath: String
    private let hostHeader: String
    private let tls: NIOSSLContext?
    private let connectTimeout: TimeAmount
    private let readTimeout: TimeAmount
    private let idle = Mutex<[ExchangeConnection]>([])
    /// Every open connection, idle or busy, by channel.
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// `port` nil: the scheme's own (443 with `tls`, else 80), left out of the Host header.
    init(loop: any EventLoop, host: String, port: Int?, basePath: String, tls: NIOSSLContext?, connectTimeout: TimeAmount, readTimeout: TimeAmount) {
        self.loop = loop
        self.host = host
        self.port = port ?? (tls == nil ? 80 : 443)
        self.basePath = basePath
        let name = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = port.map { "\(name):\($0)" } ?? name
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// POSTs `body` to `path` (after the base path) with `headers` and collects the whole
    /// answer (up to `maxBody` bytes). Errors are the transport's own (connect, TLS,
    /// `HTTPClientError.readTimeout` / `.remoteConnectionClosed`), which
    /// `RestErrorText.transport` explains.
    func post(_ path: String, headers: HTTPHeaders, body: ByteBuffer, maxBody: Int) async throws -> ExchangeAnswer {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: basePath + path, headers: headers)
        head.headers.add(name: "Host", value: hostHeader)
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        return try await loop.flatSubmit {
            self.lease().flatMap { connection in
                connection.send(head, body: body, maxBody: maxBody, readTimeout: self.readTimeout)
            }
        }.get()
    }

    func shutdown() {
        idle.withLock { $0.removeAll() }
        open.withLock { $0.values }.forEach { $0.close(promise: nil) }
    }

    /// Cuts off the requests still waiting for their answer (Ctrl-C's grace period is over):
    /// their records end `unknown`, as the connection broke after they were sent.
    func interrupt() {
        let idle = Set(idle.withLock { $0.map { ObjectIdentifier($0.channel) } })
        open.withLock { $0.filter { !idle.contains($0.key) }.values }.forEach { $0.close(promise: nil) }
    }

    /// A kept-alive idle connection, or a new one.
    private func lease() -> EventLoopFuture<ExchangeConnection> {
        while let connection = idle.withLock({ $0.popLast() }) {
            if connection.channel.isActive { return loop.makeSucceededFuture(connection) }
        }
        let tls = self.tls
        let serverName = Self.isIPAddress(host) ? nil : host
        return ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ExchangeHandler())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                let id = ObjectIdentifier(channel)
                self.open.withLock { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in _ = self.open.withLock { $0.removeValue(forKey: id) } }
                let handler = try channel.pipeline.syncOperations.handler(type: ExchangeHandler.self)
                return ExchangeConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)) { connection in
                    self.idle.withLock { $0.append(connection) }
                }
            }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host.trimmingCharacters(in: ["[", "]"]), port: 0)) != nil
    }
}

/// One kept-alive connection and the handler that matches its answers to requests.
struct ExchangeConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<ExchangeHandler>
    /// Puts the connection back for the next request, once its answer is complete.
    let release: @Sendable (ExchangeConnection) -> Void

    func send(_ head: HTTPRequestHead, body: ByteBuffer, maxBody: Int, readTimeout: TimeAmount) -> EventLoopFuture<ExchangeAnswer> {
        let promise = channel.eventLoop.makePromise(of: ExchangeAnswer.self)
        handler.value.start(head, body: body, maxBody: maxBody, readTimeout: readTimeout, promise: promise) { keepAlive in
            if keepAlive { release(self) } else { channel.close(promise: nil) }
        }
        return promise.futureResult
    }
}

/// Writes a request and gathers its answer; one request at a time, on the channel's loop.
final class ExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Pending {
        let promise: EventLoopPromise<ExchangeAnswer>
        let maxBody: Int
        let readTimeout: TimeAmount
        let done: (Bool) -> Void
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var timer: Scheduled<Void>?
        /// When the last byte came (or the request left): the timer measures from here.
        var lastRead = NIODeadline.now()
    }

    private var context: ChannelHandlerContext?
    private var pending: Pending?
    private var closed = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func start(_ head: HTTPRequestHead, body: ByteBuffer, maxBody: Int, readTimeout: TimeAmount,
               promise: EventLoopPromise<ExchangeAnswer>, done: @escaping (Bool) -> Void) {
        guard let context, !closed, pending == nil else {
            promise.fail(HTTPClientError.remoteConnectionClosed)
            return
        }
        pending = Pending(promise: promise, maxBody: maxBody, readTimeout: readTimeout, done: done)
        armTimer(at: .now() + readTimeout, context: context)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var pending else { return }
        pending.lastRead = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 1xx answers are not the answer.
            if head.status.code >= 200 { pending.head = head }
            self.pending = pending
        case .body(let bytes):
            guard pending.body.count + bytes.readableBytes <= pending.maxBody else {
                fail(ResponseAccumulator.ResponseTooBigError(maxBodySize: pending.maxBody), context: context)
                return
            }
            self.pending = nil  // one copy of the array while appending
            pending.body.append(contentsOf: bytes.readableBytesView)
            self.pending = pending
        case .end:
            guard let head = pending.head else { return }
            pending.timer?.cancel()
            self.pending = nil
            pending.done(head.isKeepAlive && !closed)
            pending.promise.succeed(ExchangeAnswer(status: Int(head.status.code), headers: head.headers, body: pending.body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        fail(HTTPClientError.remoteConnectionClosed, context: context)
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        closed = true
        if let pending {
            self.pending = nil
            pending.timer?.cancel()
            pending.promise.fail(error)
        }
        context.close(promise: nil)
    }

    /// No byte of the answer for `readTimeout`: the request ends as a read timeout. One timer
    /// per request, moved on from the last read when it fires, not rescheduled on every read.
    private func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pending?.timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            guard let pending = handler.pending else { return }
            let due = pending.lastRead + pending.readTimeout
            if due > .now() {
                handler.armTimer(at: due, context: context)
            } else {
                handler.fail(HTTPClientError.readTimeout, context: context)
            }
        }
    }
}
