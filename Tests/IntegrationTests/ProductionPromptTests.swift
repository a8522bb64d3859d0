import Foundation
import Testing
import TestSupport

/// `ingest send` to production on a terminal asks for the topic to be typed back; anything
/// else sends nothing and exits 2. Run in tmux against `ingest sandbox`, whose produce count
/// (read back through the plaintext Kafka port) shows what reached the platform.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ProductionPromptTests {
    @Test func typedConfirmationGuardsProductionSends() throws {
        let sandbox = try StandaloneSandbox(["--api-key", "env:PROMPT_KEY", "--topic", "ing-production-events"],
                                            environment: ["PROMPT_KEY": "prompt-test-key-000001"])
        defer { sandbox.stop() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-prod-prompt-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let profile = work.appendingPathComponent("prod.toml").path
        try """
            name = "prod"
            environment = "production"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-production-"
            api_key = "env:PROMPT_KEY"
            \(sandbox.trust)
            """.write(toFile: profile, atomically: true, encoding: .utf8)
        var environment = CLITests.environment(["PROMPT_KEY": "prompt-test-key-000001", "INGEST_STATE_DIR": work.appendingPathComponent("state").path])
        environment["TERM"] = "screen"
        let send = "\(CLITests.binary.path) send --profile \(profile) --topic events --data '{\"n\":1}'"

        for (typed, expected) in [("ing-production-event", "EXIT=2"), ("ing-staging-events", "EXIT=2"), ("ing-production-events", "EXIT=0")] {
            let session = try #require(TmuxSession())
            defer { session.kill() }
            session.start("sh -c \"\(send.replacingOccurrences(of: "\"", with: "\\\"")); echo EXIT=\\$?; sleep 30\"", environment: environment)
            let asked = session.waitFor(20) { $0.contains("type the topic name ing-production-events") }
            #expect(asked.ok, "no prompt:\n\(asked.screen)")
            session.type(typed)
            session.keys("Enter")
            let done = session.waitFor(20) { $0.contains("EXIT=") }
            #expect(done.screen.contains(expected), "typed \(typed):\n\(done.screen)")
            if expected == "EXIT=2" {
                #expect(done.screen.contains("not confirmed; nothing was sent"), "\(done.screen)")
                #expect(try sandbox.appended(topic: "ing-production-events") == 0, "a record reached the platform after typing \(typed)")
            } else {
                #expect(done.screen.contains("\"outcome\":\"delivered\""), "\(done.screen)")
            }
        }
        #expect(try sandbox.appended(topic: "ing-production-events") == 1)
    }
}
