import Foundation
import IngestKafka
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One TLS handshake with a server and nothing else (no request is sent): what it agreed to,
/// what the server's hello offered (read in clear, even when the handshake then fails), and
/// the server's certificate. The doctor reports it; a failed send explains itself with it.
struct TLSHandshake {
    var error: (any Error)?
    var version: TLSVersion?
    /// The suite and version the server's hello chose.
    var suite: UInt16?
    var helloVersion: UInt16?
    var certificate: NIOSSLCertificate?

    static func run(host: String, port: Int, configuration: TLSConfiguration) async -> TLSHandshake {
        var result = TLSHandshake()
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: configuration) } catch {
            result.error = error
            return result
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.any()
        let handshake = loop.makePromise(of: Void.self)
        let sniffer = NIOLoopBoundBox<TLSServerHello?>.makeEmptyBox(eventLoop: loop)
        // SNI cannot carry an IP address; NIOSSL then checks the IP against the certificate.
        let sniHost = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let helloSniffer = TLSServerHello()
                        sniffer.value = helloSniffer
                        try channel.pipeline.syncOperations.addHandler(helloSniffer)
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: sniHost))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: handshake))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            handshake.fail(error)
            result.error = error
            return result
        }
        defer { channel.close(promise: nil) }
        // A server that takes the connection and never answers the hello must not hang us.
        let timeout = loop.scheduleTask(in: .seconds(10)) { handshake.fail(ChannelError.connectTimeout(.seconds(10))) }
        defer { timeout.cancel() }
        do {
            try await handshake.futureResult.get()
            result.version = try await channel.nioSSL_tlsVersion().get()
            result.certificate = try await channel.nioSSL_peerCertificate().get()
        } catch {
            result.error = error
        }
        let hello = try? await loop.submit { (sniffer.value?.cipherSuite, sniffer.value?.helloVersion) }.get()
        result.suite = hello?.0
        result.helloVersion = hello?.1
        return result
    }

    /// The suite, as the doctor shows it: its name and whether it is forward-secret.
    static func describe(suite: UInt16) -> String {
        "\(TLSServerHello.name(of: suite)) (\(TLSServerHello.isForwardSecret(suite) ? "forward secret" : "NOT forward secret"))"
    }
}

/// Why a handshake under ingest's policy failed, told by asking the server again with every
/// version from TLS 1.0 and every suite allowed (only the hello is read; nothing is sent):
/// a server that speaks only TLS 1.1, or only suites without forward secrecy, is named as such.
enum TLSProbe {
    static func explain(host: String, port: Int) async -> String? {
        var permissive = TLSConfiguration.makeClientConfiguration()
        permissive.minimumTLSVersion = .tlsv1
        permissive.cipherSuiteValues = TLSServerHello.forwardSecretTLS12 + [
            .TLS_RSA_WITH_AES_128_GCM_SHA256, .TLS_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_RSA_WITH_AES_128_CBC_SHA, .TLS_RSA_WITH_AES_256_CBC_SHA,
        ]
        let probe = await TLSHandshake.run(host: host, port: port, configuration: permissive)
        if let version = probe.helloVersion, version < 0x0303 {
            let name = version == 0x0302 ? "TLS 1.1" : version == 0x0301 ? "TLS 1.0" : String(format: "version 0x%04X", version)
            return "the server offers only \(name); ingest requires TLS 1.2 or later (the platform's guide: TLS 1.2 or later, 1.3 recommended)"
        }
        if let suite = probe.suite, !TLSServerHello.isForwardSecret(suite) {
            return "the server offers only cipher suites without forward secrecy (it chose \(TLSServerHello.name(of: suite))); ingest accepts only forward-secret (ECDHE) suites with TLS 1.2, as the platform's guide asks"
        }
        return nil
    }
}

/// Completes when the TLS handshake does, or fails with its error.
final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
