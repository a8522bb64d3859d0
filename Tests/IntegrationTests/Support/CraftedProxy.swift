import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP server on loopback (port 0) that answers discovery as a REST Proxy v3 does and
/// every produce request with whatever body the test crafts, so the client meets answers no
/// healthy proxy gives: mixed or incomplete batch answers, 200s that are not reports. It
/// answers once the request body has ended, and keeps every request it saw.
final class CraftedProxy: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The ids of a records:batch request, in order.
        var batchIDs: [String] {
            struct Batch: Decodable { struct Entry: Decodable { var id: String }; var entries: [Entry] }
            return (try? JSONDecoder().decode(Batch.self, from: Data(body)))?.entries.map(\.id) ?? []
        }
    }

    struct Answer: Sendable {
        var status: Int
        var contentType = "application/json"
        var body: String
    }

    private let channel: any Channel
    private let seen: NIOLockedValueBox<[Request]>
    var baseURL: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/v3" }
    /// Produce requests seen (discovery excluded).
    var produceRequests: [Request] { seen.withLockedValue { $0 }.filter { $0.method == "POST" } }

    private init(channel: any Channel, seen: NIOLockedValueBox<[Request]>) {
        self.channel = channel
        self.seen = seen
    }

    static func start(answer: @escaping @Sendable (Request) -> Answer) async throws -> CraftedProxy {
        let seen = NIOLockedValueBox<[Request]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(seen: seen, answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CraftedProxy(channel: channel, seen: seen)
    }

    func stop() async { try? await channel.close() }

    static let clusters = #"{"kind":"KafkaClusterList","metadata":{},"data":[{"kind":"KafkaCluster","cluster_id":"crafted-1"}]}"#

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let seen: NIOLockedValueBox<[Request]>
        let answer: @Sendable (Request) -> Answer
        // One request at a time per connection, on its event loop.
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(seen: NIOLockedValueBox<[Request]>, answer: @escaping @Sendable (Request) -> Answer) {
            self.seen = seen
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let chunk):
                body += chunk.readableBytesView
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, path: head.uri, body: body)
                seen.withLockedValue { $0.append(request) }
                let reply = head.method == .GET && head.uri.hasSuffix("/clusters")
                    ? Answer(status: 200, body: CraftedProxy.clusters) : answer(request)
                let bytes = ByteBuffer(string: reply.body)
                var headers = HTTPHeaders([("Content-Type", reply.contentType), ("Content-Length", "\(bytes.readableBytes)")])
                if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: reply.status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
                let keepAlive = head.isKeepAlive, channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { channel.close(promise: nil) }
                }
                self.head = nil
            }
        }
    }
}
