import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An HTTP CONNECT proxy on loopback that tunnels every CONNECT, whatever host it names, to
/// one local port: a client configured with `HTTP(S)_PROXY` reaches a local server under a
/// made-up host name, and the test sees which targets were asked for.
final class TunnelProxy: Sendable {
    private let channel: any Channel
    private let seen: NIOLockedValueBox<[String]>
    var address: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)" }
    /// The `host:port` of each CONNECT, in order.
    var connects: [String] { seen.withLockedValue { $0 } }

    private init(channel: any Channel, seen: NIOLockedValueBox<[String]>) {
        self.channel = channel
        self.seen = seen
    }

    static func start(tunnelingTo port: Int) async throws -> TunnelProxy {
        let seen = NIOLockedValueBox<[String]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Front(port: port, seen: seen))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TunnelProxy(channel: channel, seen: seen)
    }

    func stop() async { try? await channel.close() }

    /// The client's side: the CONNECT head, then bytes relayed both ways.
    final class Front: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let port: Int
        let seen: NIOLockedValueBox<[String]>
        private var head = ByteBuffer()
        private var peer: (any Channel)?

        init(port: Int, seen: NIOLockedValueBox<[String]>) {
            self.port = port
            self.seen = seen
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            if let peer {
                peer.writeAndFlush(bytes, promise: nil)
                return
            }
            head.writeBuffer(&bytes)
            let text = String(buffer: head)
            guard let end = text.range(of: "\r\n\r\n") else { return }
            let words = text[..<end.lowerBound].split(separator: " ")
            guard words.count >= 2, words[0] == "CONNECT" else {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")), promise: nil)
                context.close(promise: nil)
                return
            }
            seen.withLockedValue { $0.append(String(words[1])) }
            let client = context.channel
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            ClientBootstrap(group: context.eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Relay(to: client)) }
                }
                .connect(host: "127.0.0.1", port: port)
                .whenComplete { result in
                    let (front, context) = loopBound.value
                    switch result {
                    case .success(let channel):
                        front.peer = channel
                        context.writeAndFlush(front.wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 Connection established\r\n\r\n")), promise: nil)
                    case .failure:
                        context.writeAndFlush(front.wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")), promise: nil)
                        context.close(promise: nil)
                    }
                }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer?.close(promise: nil)
            context.fireChannelInactive()
        }
    }

    /// The server's side: its bytes go back to the client; its close closes the client.
    final class Relay: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let client: any Channel

        init(to client: any Channel) {
            self.client = client
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            client.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            client.close(promise: nil)
            context.fireChannelInactive()
        }
    }
}
