import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
@testable import IngestKafkaFront

/// A TLS server on loopback, as a gateway or a broker listener is: it ends TLS and passes
/// the bytes on to an upstream (a plain HTTP server, or a TLS listener it connects to with
/// TLS itself). Its certificate names 127.0.0.1, signed by a CA made for it (`caPEM`). It can
/// be capped at a TLS version, and records the version of every handshake it completes and
/// each one that failed, so a test knows what the client actually negotiated.
final class TLSTerminator: Sendable {
    typealias Seen = NIOLockedValueBox<(versions: [TLSVersion], failures: [String])>
    let caPEM: String
    private let channel: any Channel
    private let seen: Seen

    var port: Int { channel.localAddress?.port ?? 0 }
    var address: String { "127.0.0.1:\(port)" }
    var negotiated: [TLSVersion] { seen.withLockedValue { $0.versions } }
    var handshakeFailures: [String] { seen.withLockedValue { $0.failures } }

    private init(caPEM: String, channel: any Channel, seen: Seen) {
        self.caPEM = caPEM
        self.channel = channel
        self.seen = seen
    }

    /// `upstreamCAFile` set: the upstream speaks TLS and is trusted through that CA.
    static func start(upstream: String, upstreamCAFile: String? = nil, maximum: TLSVersion? = nil) async throws -> TLSTerminator {
        let (host, port) = try split(upstream)
        let certificates = try FrontCertificates.make(hostnames: ["127.0.0.1"])
        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificates.serverCertificate)], privateKey: .privateKey(certificates.serverKey))
        server.minimumTLSVersion = .tlsv12
        if let maximum { server.maximumTLSVersion = maximum }
        let serverContext = try NIOSSLContext(configuration: server)
        let upstreamContext = try upstreamCAFile.map { file -> NIOSSLContext in
            var client = TLSConfiguration.makeClientConfiguration()
            client.additionalTrustRoots = [.file(file)]
            return try NIOSSLContext(configuration: client)
        }
        let seen = Seen(([], []))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                // Connected upstream before the client's first byte is read: nothing to buffer.
                ClientBootstrap(group: inbound.eventLoop)
                    .connectTimeout(.seconds(5))
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture {
                            if let upstreamContext {
                                try outbound.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: upstreamContext, serverHostname: nil))
                            }
                        }
                    }
                    .connect(host: host, port: port)
                    .flatMapThrowing { outbound in
                        let (client, upstream) = Glue.pair()
                        try outbound.pipeline.syncOperations.addHandler(upstream)
                        try inbound.pipeline.syncOperations.addHandlers([NIOSSLServerHandler(context: serverContext), Recorder(seen: seen), client])
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TLSTerminator(caPEM: certificates.caPEM, channel: channel, seen: seen)
    }

    func stop() async { try? await channel.close() }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw InputErrorForTests("\(address) is not host:port")
        }
        return (String(address[..<colon]), port)
    }

    /// Notes the version of each completed handshake, and each handshake that failed.
    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let seen: Seen
        init(seen: Seen) { self.seen = seen }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event {
                let seen = self.seen
                context.channel.nioSSL_tlsVersion().whenSuccess { version in
                    if let version { seen.withLockedValue { $0.versions.append(version) } }
                }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if error is NIOSSLError || error is BoringSSLError { seen.withLockedValue { $0.failures.append("\(error)") } }
            context.close(promise: nil)
        }
    }

    /// Passes bytes between two channels of one event loop; either closing closes both.
    final class Glue: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        // Touched on the channels' shared event loop only.
        private var partner: Glue?
        private var context: ChannelHandlerContext?

        static func pair() -> (Glue, Glue) {
            let a = Glue(), b = Glue()
            a.partner = b
            b.partner = a
            return (a, b)
        }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
        func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner?.context?.writeAndFlush(NIOAny(unwrapInboundIn(data)), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.context?.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
