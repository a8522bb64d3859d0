import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing
@testable import IngestCore

/// Single and batch requests' own HTTP/1.1 connections, over real sockets against a raw server
/// that sees the bytes as they arrive: a request leaves in one write, a kept-alive connection
/// carries the next request, `Connection: close` is honoured, and a silent, closing or
/// oversized answer ends in the error `RestErrorText` explains.
@Suite(.timeLimit(.minutes(1))) struct RequestConnectionsTests {
    static let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"

    func connections(_ server: RawServer, readTimeout: TimeAmount = .seconds(10)) -> RequestConnections {
        RequestConnections(loop: MultiThreadedEventLoopGroup.singleton.next(), host: "127.0.0.1", port: server.port, basePath: "/v3",
                           tls: nil, connectTimeout: .seconds(5), readTimeout: readTimeout)
    }

    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    func head(_ body: Int) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v3/records",
                        headers: ["Host": "127.0.0.1", "Content-Type": "application/json", "Content-Length": "\(body)"])
    }

    /// Requests go whole over one kept-alive connection. (That head and body leave in one
    /// write is proven by the flush count below: a server reading two writes that landed
    /// together sees one read either way.)
    @Test func requestsGoWholeOverOneKeptAliveConnection() async throws {
        let server = try await RawServer.start { _ in .answer(Self.ok) }
        let pool = connections(server)
        let body = ByteBuffer(string: String(repeating: "x", count: 300))
        for _ in 0..<3 {
            let answer = try await pool.post("/records", headers: Self.json, body: body, maxBody: 1024)
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self) == "{\"ok\":true}")
        }
        pool.shutdown()
        let requests = server.requests
        #expect(requests.count == 3)
        #expect(server.connections == 1, "each request opened a connection of its own")
        #expect(requests.allSatisfy { $0.reads == 1 }, "reads per request: \(requests.map(\.reads))")
        #expect(requests.allSatisfy { $0.text.hasPrefix("POST /v3/records HTTP/1.1\r\n") && $0.text.hasSuffix(String(repeating: "x", count: 300)) })
        #expect(requests.allSatisfy { $0.text.contains("Host: 127.0.0.1:\(server.port)\r\n") && $0.text.contains("Content-Length: 300\r\n") })
        await server.stop()
    }

    /// The same, where it cannot depend on timing: the handler writes head, body and end and
    /// flushes once.
    @Test func headAndBodyAreFlushedOnce() throws {
        let channel = EmbeddedChannel()
        let flushes = FlushCounter()
        let handler = ExchangeHandler()
        try channel.pipeline.syncOperations.addHandlers([flushes, handler])
        let promise = channel.eventLoop.makePromise(of: ExchangeAnswer.self)
        handler.start(head(2), body: ByteBuffer(string: "{}"), maxBody: 1024, readTimeout: .seconds(10), promise: promise) { _ in }
        #expect(flushes.count == 1)
        var parts: [String] = []
        while let part = try channel.readOutbound(as: HTTPClientRequestPart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.uri)")
            case .body(.byteBuffer(let bytes)): parts.append("body \(String(buffer: bytes))")
            case .body: parts.append("body")
            case .end: parts.append("end")
            }
        }
        #expect(parts == ["head /v3/records", "body {}", "end"])
        promise.fail(ChannelError.ioOnClosedChannel)
        _ = try? channel.finish()
    }

    @Test func connectionCloseIsHonoured() async throws {
        let close = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        let server = try await RawServer.start { _ in .answer(close) }
        let pool = connections(server)
        for _ in 0..<2 {
            #expect(try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 1024).status == 200)
        }
        pool.shutdown()
        #expect(server.connections == 2)
        await server.stop()
    }

    @Test func aSilentServerEndsInAReadTimeout() async throws {
        let server = try await RawServer.start { _ in .silent }
        let pool = connections(server, readTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        do {
            _ = try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 1024)
            Issue.record("a silent server answered")
        } catch {
            #expect(error as? HTTPClientError == .readTimeout, "\(error)")
            #expect(RestErrorText.transport(error, host: "127.0.0.1", sent: true).description.contains("no answer from 127.0.0.1 in time"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        pool.shutdown()
        await server.stop()
    }

    /// The read timeout counts from the last byte, not from the request: an answer that comes
    /// in parts, none more than 200 ms apart, takes longer than the 300 ms limit and is whole.
    @Test func anAnswerThatKeepsComingIsNotTimedOut() async throws {
        let parts = ["HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", "{\"ok\"", ":true}"]
        let server = try await RawServer.start { _ in .inParts(parts, pause: .milliseconds(200)) }
        let pool = connections(server, readTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        let answer = try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 1024)
        #expect(String(decoding: answer.body, as: UTF8.self) == "{\"ok\":true}")
        #expect(ContinuousClock.now - started >= .milliseconds(400))
        pool.shutdown()
        await server.stop()
    }

    @Test func aServerClosingBeforeItAnswersIsAClosedConnection() async throws {
        let server = try await RawServer.start { _ in .close }
        let pool = connections(server)
        await #expect(throws: HTTPClientError.remoteConnectionClosed) {
            _ = try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 1024)
        }
        pool.shutdown()
        await server.stop()
    }

    @Test func interruptCutsOffARequestStillWaiting() async throws {
        let server = try await RawServer.start { _ in .silent }
        let pool = connections(server)
        let waiting = Task { try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 1024) }
        for _ in 0..<200 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.requests.count == 1)
        pool.interrupt()
        await #expect(throws: HTTPClientError.remoteConnectionClosed) { _ = try await waiting.value }
        pool.shutdown()
        await server.stop()
    }

    /// Through an HTTP proxy (`HTTP_PROXY`) single and batch requests take async-http-client's
    /// connections instead (a CONNECT tunnel): every record is answered, and the proxy was asked
    /// for the profile's host.
    @Test func throughAnHTTPProxyRequestsUseTheHTTPClient() async throws {
        let server = try await CraftedProxy.start { request in
            request.path.hasSuffix(":batch")
                ? .init(status: 207, body: CraftedAnswerTests.batchAnswer(successes: request.batchIDs.map { ($0, 0, Int($0)!) }, failures: []))
                : .init(status: 200, body: #"{"error_code":200,"partition_id":0,"offset":1}"#)
        }
        let tunnel = try await TunnelProxy.start(tunnelingTo: URLComponents(string: server.baseURL)!.port!)
        let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("proxied-key-000001"),
                                    baseURL: "http://producer.example.test/v3", environment: ["HTTP_PROXY": tunnel.address])
        #expect(client.requestConnections == nil)
        for mode in [RestMode.single, .batch] {
            let result = await client.send(records: SandboxHarness.jsonRecords(4), topic: SandboxHarness.topic, mode: mode, options: SendOptions()) { _ in }
            #expect(result.ledger.delivered == 4, "\(mode): \(result.ledger.summaryLine) \(String(describing: result.stopReason))")
        }
        await client.shutdown()
        await tunnel.stop()
        await server.stop()
        let paths = server.produceRequests.map(\.path)
        #expect(paths.count == 5, "\(paths)")
        #expect(paths.allSatisfy { $0.hasPrefix("/v3/clusters/crafted-1/topics/") }, "\(paths)")
        #expect(!tunnel.connects.isEmpty && tunnel.connects.allSatisfy { $0 == "producer.example.test:80" }, "\(tunnel.connects)")
    }

    @Test func anAnswerOverTheLimitFails() async throws {
        let big = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "y", count: 100)
        let server = try await RawServer.start { _ in .answer(big) }
        let pool = connections(server)
        do {
            _ = try await pool.post("/records", headers: Self.json, body: ByteBuffer(string: "{}"), maxBody: 10)
            Issue.record("an oversized answer was taken")
        } catch {
            #expect(error is ResponseAccumulator.ResponseTooBigError, "\(error)")
        }
        pool.shutdown()
        await server.stop()
    }
}

final class FlushCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    private(set) var count = 0

    func flush(context: ChannelHandlerContext) {
        count += 1
        context.flush()
    }
}

/// A plain TCP server on loopback that reads HTTP/1.1 requests as raw bytes (head, then
/// Content-Length bytes of body), counts the reads each took, and answers as told.
final class RawServer: Sendable {
    enum Reply: Sendable {
        case answer(String)
        /// The answer's parts, `pause` apart.
        case inParts([String], pause: TimeAmount)
        case silent
        case close
    }

    struct Request: Sendable {
        var bytes: [UInt8]
        var reads: Int
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private let channel: any Channel
    private let seen = NIOLockedValueBox<[Request]>([])
    private let accepted = NIOLockedValueBox(0)
    var port: Int { channel.localAddress?.port ?? 0 }
    var requests: [Request] { seen.withLockedValue { $0 } }
    var connections: Int { accepted.withLockedValue { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(reply: @escaping @Sendable (Request) -> Reply) async throws -> RawServer {
        let box = NIOLockedValueBox<RawServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.withLockedValue({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    server.accepted.withLockedValue { $0 += 1 }
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server, reply: reply))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = RawServer(channel: channel)
        box.withLockedValue { $0 = server }
        return server
    }

    func stop() async { try? await channel.close() }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: RawServer
        let reply: @Sendable (Request) -> Reply
        private var bytes: [UInt8] = []
        private var reads = 0

        init(server: RawServer, reply: @escaping @Sendable (Request) -> Reply) {
            self.server = server
            self.reply = reply
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
            reads += 1
            guard let end = Self.requestEnd(bytes) else { return }
            let request = Request(bytes: Array(bytes[..<end]), reads: reads)
            bytes.removeFirst(end)
            reads = 0
            server.seen.withLockedValue { $0.append(request) }
            switch reply(request) {
            case .answer(let text): context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
            case .inParts(let parts, let pause):
                let channel = context.channel
                for (index, part) in parts.enumerated() {
                    context.eventLoop.scheduleTask(in: pause * Int64(index)) { channel.writeAndFlush(ByteBuffer(string: part), promise: nil) }
                }
            case .silent: break
            case .close: context.close(promise: nil)
            }
        }

        /// Where the first whole request in `bytes` ends, if it is all there.
        static func requestEnd(_ bytes: [UInt8]) -> Int? {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
            let head = text[..<headEnd.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            let total = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound) + length
            return bytes.count >= total ? total : nil
        }
    }
}
