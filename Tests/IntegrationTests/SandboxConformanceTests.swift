import AsyncHTTPClient
import Foundation
import IngestSandbox
import NIOCore
import NIOPosix
import Testing
@testable import IngestCore

/// The sandbox answers as the real proxy does, checked with a plain HTTP client.
@Suite struct SandboxConformanceTests {
    func post(_ server: SandboxServer, _ path: String, body: String, key: String = "sandbox-test-key-0001") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.method = .POST
        request.headers.add(name: "x-api-key", value: key)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    func server() async throws -> SandboxServer {
        let server = SandboxServer(.init(apiKey: "sandbox-test-key-0001", topics: ["ing-staging-events"], partitions: 2))
        try await server.start()
        return server
    }

    @Test func syntaxErrorEndsTheStreamWithAFinal400() async throws {
        let server = try await server()
        let (status, text) = try await post(server, "/clusters/sandbox-cluster-1/topics/ing-staging-events/records",
                                            body: #"{"value":{"type":"JSON","data":1}} {"value": nope} {"value":{"type":"JSON","data":2}}"#)
        await server.stop()
        #expect(status == 200)
        var splitter = ConcatenatedJSONSplitter()
        let reports = try splitter.feed(Array(text.utf8)).compactMap(Wire.Report.decode)
        #expect(reports.count == 2)
        #expect(reports.first?.error_code == 200)
        #expect(reports.last?.error_code == 400)
        #expect(text.hasSuffix("\r\n"))
    }

    @Test func batchRulesOfTheRealProxy() async throws {
        let server = try await server()
        let path = "/clusters/sandbox-cluster-1/topics/ing-staging-events/records:batch"
        let mixed = try await post(server, path, body: #"{"entries":[{"id":"1","value":{"type":"JSON","data":{}}},{"id":"2","value":{"type":"BINARY","data":"%%%"}}]}"#)
        #expect(mixed.0 == 207)
        let answer = try JSONDecoder().decode(Wire.BatchResponse.self, from: Data(mixed.1.utf8))
        #expect(answer.successes.map(\.id) == ["1"])
        #expect(answer.failures.map(\.id) == ["2"])
        #expect(answer.failures.first?.error_code == 400)
        for (body, message) in [
            (#"{"entries":[]}"#, "Empty batch."),
            (#"{"entries":[{"id":"1"},{"id":"1"}]}"#, "Batch entry IDs are not distinct."),
            (#"{"entries":[{"id":1}]}"#, "Batch entry identifier is not a valid string."),
            ("{\"entries\":[" + (1...11).map { "{\"id\":\"\($0)\"}" }.joined(separator: ",") + "]}", "Too many entries in batch."),
        ] {
            let (status, text) = try await post(server, path, body: body)
            #expect(status == 422)
            #expect(text.contains("42208") && text.contains(message), "\(text)")
        }
        let unknownField = try await post(server, path, body: #"{"records":[]}"#)
        #expect(unknownField.0 == 422 && unknownField.1.contains("Unrecognized field: records"))
        await server.stop()
    }

    @Test func gatewayAndClusterErrors() async throws {
        let server = try await server()
        let forbidden = try await post(server, "/clusters/sandbox-cluster-1/topics/ing-staging-events/records", body: "{}", key: "nope")
        #expect(forbidden.0 == 403 && forbidden.1 == #"{"message":"Forbidden"}"#)
        let noCluster = try await post(server, "/clusters/other/topics/ing-staging-events/records", body: "{}")
        #expect(noCluster.0 == 404 && noCluster.1.contains("Cluster other cannot be found."))
        let perRecord = try await post(server, "/clusters/sandbox-cluster-1/topics/ing-staging-events/records",
                                       body: #"{"value":{"type":"AVRO","data":{}}}{"records":1}{"value":{"type":"JSON","data":1},"partition_id":-1}"#)
        let codes = try ConcatenatedJSONSplitterBox.codes(perRecord.1)
        #expect(codes == [422, 400, 40402])
        await server.stop()
    }
}

enum ConcatenatedJSONSplitterBox {
    static func codes(_ text: String) throws -> [Int?] {
        var splitter = ConcatenatedJSONSplitter()
        return try splitter.feed(Array(text.utf8)).map { Wire.Report.decode($0)?.error_code }
    }
}

/// Stopping the sandbox right after connections arrive (a doctor's TCP probe, a client that
/// gives up) must not bring the process down: swift-nio traps on an accepted connection the
/// server never served, which cancelling the server used to leave behind.
@Suite struct SandboxStopTests {
    @Test func stoppingRightAfterConnectionsArriveIsSafe() async throws {
        for _ in 0..<40 {
            let server = SandboxServer(.init(apiKey: "stop-key-000000001", topics: ["ing-staging-events"]))
            try await server.start()
            for _ in 0..<4 {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: server.port).get()
                channel.close(promise: nil)
            }
            await server.stop()
        }
    }
}
