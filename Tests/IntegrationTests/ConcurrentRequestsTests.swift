import Foundation
import Testing
import TestSupport

/// Requests in flight together against `ingest sandbox` with Kafka behind it: each request's
/// answer ends once its own records are answered, whatever the other requests still wait for.
/// (The sandbox used to hold a single send's answer open until its shared producer was idle;
/// clients saw connections break and records end unknown in about one run in three.)
@Suite(.serialized) struct ConcurrentRequestsTests {
    static let apiKey = "concurrent-key-5e0a9c41"

    @Test(arguments: ["single", "batch", "stream"])
    func everyRecordIsDeliveredRunAfterRun(mode: String) async throws {
        let sandbox = try await StandaloneSandbox.start(["--api-key", "env:CR_API_KEY"], environment: ["CR_API_KEY": Self.apiKey])
        defer { sandbox.stop() }
        let kafka = try #require(sandbox.kafka)
        let workspace = try Workspace("concurrent")
        let profile = try workspace.profile("near", """
            name = "near"
            environment = "dev"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-staging-"
            api_key = "env:CR_API_KEY"
            [kafka]
            ca_file = "\(kafka.caFile)"
            """)
        let events = try workspace.file("events.jsonl", (1...20).map { "{\"n\":\($0)}" }.joined(separator: "\n"))
        for round in 1...8 {
            let run = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--mode", mode, "--concurrency", "8",
                                               "--file", events.path],
                                              environment: ["CR_API_KEY": Self.apiKey], timeout: .seconds(60))
            #expect(run.status == 0, "round \(round): \(run.stderr)")
            #expect(run.stderr.contains("delivered 20, failed 0, unknown 0"), "round \(round): \(run.stderr)")
            if run.status != 0 { break }
        }
    }
}
