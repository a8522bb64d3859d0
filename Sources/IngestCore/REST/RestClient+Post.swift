import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension RestClient {
    /// One single or batch POST, answered whole; `cutOff` ends it before its answer.
    struct Post: Sendable {
        let answer: @Sendable () async throws -> (Int, HTTPHeaders, [UInt8])
        let cutOff: @Sendable () -> Void
    }

    /// Starts a POST of `body` to `path` over the request connections, or through an HTTP
    /// proxy over async-http-client's, on the same event loop either way.
    func post(_ path: String, body: [UInt8]) -> Post {
        let headers = requestHeaders(.POST)
        logRequest(.POST, path, headers)
        if let connections = requestConnections {
            return Post(answer: {
                let answer = try await connections.post(path, headers: headers, body: ByteBuffer(bytes: body), maxBody: Self.maxAnswerBytes)
                return (answer.status, answer.headers, answer.body)
            }, cutOff: { connections.interrupt() })
        }
        let request: HTTPClient.Request
        do { request = try HTTPClient.Request(url: baseURL + path, method: .POST, headers: headers, body: .bytes(body)) } catch {
            return Post(answer: { throw error }, cutOff: {})
        }
        let task = http.execute(
            request: request, delegate: ResponseAccumulator(request: request, maxBodySize: Self.maxAnswerBytes),
            eventLoop: .delegateAndChannel(on: requestExecutor.loop), deadline: .now() + answerTimeout, logger: logger)
        return Post(answer: {
            let response = try await task.futureResult.get()
            return (Int(response.status.code), response.headers, response.body.map { Array($0.readableBytesView) } ?? [])
        }, cutOff: { task.cancel() })
    }
}
