import Foundation
import Testing
@testable import IngestCore

/// Every real body in ../shared/conformance/kafka-rest-v3 goes through the parsers it would meet
/// (when that folder is beside the checkout, as in CI).
@Suite(.enabled(if: Fixtures.present, "../shared/conformance/kafka-rest-v3 is not beside the checkout"))
struct ConformanceTests {
    static var directory: URL { Fixtures.directory }

    static func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func fixturesArePresent() {
        #expect(Self.files().count > 80, "expected the fixtures at \(Self.directory.path)")
    }

    @Test func everyJSONBodyIsValidForOurValidator() throws {
        for name in Self.files() where name.hasSuffix(".json") {
            #expect(throws: Never.self, "\(name)") { try JSONValidator.validate(try Self.bytes(name)) }
        }
    }

    @Test func clusterAndBrokerLists() throws {
        let clusters = try JSONDecoder().decode(Wire.ClusterList.self, from: Data(try Self.bytes("oas_list_clusters_200.json")))
        #expect(clusters.data.first?.cluster_id == "cluster-1")
        let related = try #require(clusters.data.first?.brokers?.related)
        #expect(RestClient.rebase(related, fallback: "x") == "/clusters/cluster-1/brokers")
        let brokers = try JSONDecoder().decode(Wire.BrokerList.self, from: Data(try Self.bytes("oas_list_brokers_200.json")))
        #expect(brokers.data.map { "\($0.host ?? ""):\($0.port ?? 0)" }.first == "localhost:9291")
        // The README's pretty-printed listing decodes too.
        let text = String(decoding: try Self.bytes("readme_list_clusters_200.txt"), as: UTF8.self)
        let start = try #require(text.firstIndex(of: "{"), "readme_list_clusters_200.txt holds no JSON")
        let readme = try JSONDecoder().decode(Wire.ClusterList.self, from: Data(text[start...].utf8))
        #expect(readme.data.map(\.cluster_id) == ["xFhUvurESIeeCI87SXWR-Q"])
        #expect(readme.data.first?.brokers.map { RestClient.rebase($0.related, fallback: "x") } == "/clusters/xFhUvurESIeeCI87SXWR-Q/brokers")
    }

    @Test func deliveryReportsAndTheirOutcomes() throws {
        let success = try #require(Wire.Report.decode(try Self.bytes("oas_produce_response__produce_record_success.json")))
        #expect(success.outcome == .delivered(partition: 1, offset: 0, timestamp: "2021-02-05T19:14:42Z"))
        for name in Self.files() where name.hasPrefix("test_stream_error_") || name.hasPrefix("oas_error_") && name.hasSuffix(".json") || name == "issue_1017_http200_body_error_500.json" {
            let report = try #require(Wire.Report.decode(try Self.bytes(name)), "\(name)")
            guard case .failed(let code, let message) = report.outcome else {
                Issue.record("\(name) is not a failure: \(report.outcome)")
                continue
            }
            #expect(code == report.error_code && code != 200, "\(name)")
            #expect(!message.isEmpty)
        }
        let topicMissing = try #require(Wire.Report.decode(try Self.bytes("oas_error_404__unknown_topic_or_partition.json")))
        guard case .failed(let code, let message) = topicMissing.outcomeNamingTopic("ing-staging-x") else {
            Issue.record("an unknown topic is not a failure: \(topicMissing.outcomeNamingTopic("ing-staging-x"))")
            return
        }
        #expect(code == 40403)
        #expect(message.contains("ing-staging-x does not exist"), "\(message)")
    }

    @Test func streamedResponseBodiesSplitIntoReports() throws {
        var splitter = ConcatenatedJSONSplitter()
        let reports = try splitter.feed(try Self.bytes("examples_python_stream_response_body.bin")).compactMap(Wire.Report.decode)
        #expect(reports.map(\.offset) == [612, 613])
        var pretty = ConcatenatedJSONSplitter()
        let two = try pretty.feed(try Self.bytes("readme_produce_response_two_concatenated.txt").drop { $0 != UInt8(ascii: "{") })
        #expect(two.compactMap(Wire.Report.decode).count == 2)
        var requests = ConcatenatedJSONSplitter()
        #expect(try requests.feed(try Self.bytes("test_produce_request_10_concatenated_json.txt")).count == 10)
        var python = ConcatenatedJSONSplitter()
        #expect(try python.feed(try Self.bytes("examples_python_stream_request_body.bin")).count == 2)
    }

    @Test func batchAnswers() throws {
        let mixed = try JSONDecoder().decode(Wire.BatchResponse.self, from: Data(try Self.bytes("oas_produce_batch_response__produce_batch_record_success_and_failure.json")))
        #expect(mixed.successes.count == 1 && mixed.failures.count == 1)
        let readme = try JSONDecoder().decode(Wire.BatchResponse.self, from: Data(try Self.bytes("readme_produce_batch_response_success_and_failure.json")))
        #expect(!readme.successes.isEmpty)
        for name in Self.files() where name.hasPrefix("test_batch_error_422") {
            let error = RestErrorText.httpError(status: 422, contentType: "application/json", body: try Self.bytes(name), topic: "t")
            #expect(error.code == 42208 || error.code == 422, "\(name)")
            #expect(error.outcome.name == "failed")
        }
    }

    @Test func htmlAndGatewayAnswersGetClearMessages() throws {
        let html = RestErrorText.httpError(status: 429, contentType: "text/html", body: try Self.bytes("oas_error_429__jetty_dosfilter.html"), topic: nil)
        #expect(html.description.contains("rate limited"))
        #expect(html.description.contains("HTML"))
        let gateway = RestErrorText.httpError(status: 403, contentType: "application/json", body: Array(#"{"message":"Forbidden"}"#.utf8), topic: nil)
        #expect(gateway.description.contains("api_key"))
        let badGateway = RestErrorText.httpError(status: 502, contentType: "text/html", body: Array("<html>bad gateway</html>".utf8), topic: nil)
        #expect(badGateway.outcome.name == "unknown")
        #expect(badGateway.description.contains("where JSON was due"))
    }
}
