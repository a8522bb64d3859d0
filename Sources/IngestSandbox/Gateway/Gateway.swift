import Foundation
import Hummingbird
import HTTPTypes
import IngestModel
import NIOCore

/// The API gateway in front of the proxy, as the platform's: the `x-api-key` check (403), the
/// usage plan (429 `{"message":"Too Many Requests"}`), a payload limit (413), a time limit
/// (504), optionally no chunked bodies (411) and request buffering. Its own answers carry a
/// `message` and no `error_code`, like the real gateway's.
struct Gateway: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: SandboxServer

    enum Limit: Error {
        case tooLarge
        case timedOut
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[HTTPField.Name("x-api-key")!] == server.configuration.apiKey else {
            return Self.answer(.forbidden, #"{"message":"Forbidden"}"#)
        }
        let faults = server.faults
        if let throttle = faults.throttle, let wait = server.bucket(for: throttle).take() {
            var response = Self.answer(.tooManyRequests, #"{"message":"Too Many Requests"}"#)
            if throttle.retryAfter {
                response.headers[.retryAfter] = String(max(1, Int((wait.inMilliseconds / 1000).rounded(.up))))
            }
            return response
        }
        guard request.method == .post else { return try await next(request, context) }
        let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") ?? false
        if faults.refuseChunked && chunked {
            return Response(status: .lengthRequired, headers: [.contentType: "text/html"],
                            body: .init(byteBuffer: ByteBuffer(string: "<html><head><title>411 Length Required</title></head><body><center><h1>411 Length Required</h1></center></body></html>")))
        }
        if let max = faults.maxBodyBytes, let length = request.headers[.contentLength].flatMap(Int.init), length > max {
            return Self.tooLarge
        }
        let deadline = faults.maxRequestSeconds.map { ContinuousClock.now + .seconds($0) }
        var request = request
        if faults.maxBodyBytes != nil || deadline != nil {
            request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, maxBytes: faults.maxBodyBytes, deadline: deadline))
        }
        if faults.bufferWholeRequest {
            var all = ByteBuffer()
            do {
                for try await chunk in request.body { all.writeImmutableBuffer(chunk) }
            } catch Limit.tooLarge {
                return Self.tooLarge
            } catch Limit.timedOut {
                return Self.timedOut
            }
            if let deadline, ContinuousClock.now > deadline { return Self.timedOut }
            request.body = RequestBody(buffer: all)
        }
        return try await next(request, context)
    }

    static let tooLarge = answer(.contentTooLarge, #"{"message":"Request Too Long"}"#)
    static let timedOut = answer(.gatewayTimeout, #"{"message":"Endpoint request timed out"}"#)

    static func answer(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

/// A request body that throws once it passes the gateway's size or time limit. Streamed
/// through, that cuts the proxy's response off (the connection drops), as a gateway does mid-stream.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let maxBytes: Int?
    let deadline: ContinuousClock.Instant?

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let maxBytes: Int?
        let deadline: ContinuousClock.Instant?
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if let maxBytes, seen > maxBytes { throw Gateway.Limit.tooLarge }
            if let deadline, ContinuousClock.now > deadline { throw Gateway.Limit.timedOut }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxBytes: maxBytes, deadline: deadline)
    }
}
