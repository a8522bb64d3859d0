import Foundation
import IngestSandbox
import Testing

/// `ingest replay` of a production run is a production send: without the topic typed back
/// (`--confirm-production`) it sends nothing and exits 2; a wrong name is refused the same
/// way; the right one replays. The sandbox's own request count shows what reached it.
@Suite struct ReplayProductionTests {
    @Test func replayOfAProductionRunNeedsTheTopicTypedBack() async throws {
        let key = "replay-prod-key-000001"
        let server = SandboxServer(.init(apiKey: key, topics: ["ing-production-events"], partitions: 1))
        try await server.start()
        let workspace = try Workspace("replay-prod")
        let profile = try workspace.profile("prod", """
            name = "prod"
            environment = "production"
            rest_url = "\(server.baseURL)"
            topic_prefix = "ing-production-"
            api_key = "env:PROD_KEY"
            """)
        let events = try workspace.file("events.jsonl", (1...10).map { "{\"n\":\($0)}" }.joined(separator: "\n"))
        let environment = ["PROD_KEY": key]

        // A confirmed production run that fails on a 503 (sent again until the delivery timeout).
        var faults = SandboxFaults()
        faults.failRequests = .json503
        server.faults = faults
        let first = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--mode", "batch", "--file", events.path,
                                             "--confirm-production", "ing-production-events", "--delivery-timeout", "1"], environment: environment)
        #expect(first.status == 1)
        #expect(first.lines.count == 10 && first.lines.allSatisfy { $0["outcome"] as? String == "failed" })
        server.faults = SandboxFaults()
        let requestsBefore = server.produceRequests

        let unconfirmed = try await workspace.run(["replay", "--failed"], environment: environment)
        #expect(unconfirmed.status == 2, "\(unconfirmed.stderr)")
        #expect(unconfirmed.stderr.contains("PRODUCTION") && unconfirmed.stderr.contains("--confirm-production ing-production-events"), "\(unconfirmed.stderr)")
        #expect(unconfirmed.stderr.contains("nothing was sent"))
        #expect(unconfirmed.stdout.isEmpty)
        let wrong = try await workspace.run(["replay", "--failed", "--confirm-production", "ing-staging-events"], environment: environment)
        #expect(wrong.status == 2, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("does not match"))
        #expect(server.produceRequests == requestsBefore, "a refused replay reached the proxy")
        #expect(server.log.count(topic: "ing-production-events") == 0)

        let confirmed = try await workspace.run(["replay", "--failed", "--confirm-production", "ing-production-events"], environment: environment)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.lines.count == 10 && confirmed.lines.allSatisfy { $0["outcome"] as? String == "delivered" })
        let stored = server.log.records(topic: "ing-production-events").map { String(decoding: $0.record.value ?? [], as: UTF8.self) }
        #expect(stored == (1...10).map { "{\"n\":\($0)}" })
        await server.stop()
    }
}
