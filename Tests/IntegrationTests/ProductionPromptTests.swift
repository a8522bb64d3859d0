import Foundation
import Testing
import TestSupport

/// `ingest send` to production on a terminal asks for the topic to be typed back; anything
/// else sends nothing and exits 2. Run in tmux against `ingest sandbox`, whose produce count
/// (read back through the plaintext Kafka port) shows what reached the platform.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ProductionPromptTests {
    @Test func typedConfirmationGuardsProductionSends() async throws {
        let sandbox = try await StandaloneSandbox.start(["--api-key", "env:PROMPT_KEY", "--topic", "ing-production-events"],
                                                        environment: ["PROMPT_KEY": "prompt-test-key-000001"])
        defer { sandbox.stop() }
        let workspace = try Workspace("prod-prompt")
        defer { withExtendedLifetime(workspace) {} }
        let profile = try workspace.profile("prod", """
            name = "prod"
            environment = "production"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-production-"
            api_key = "env:PROMPT_KEY"
            \(sandbox.trust)
            """)
        var environment = workspace.environment(["PROMPT_KEY": "prompt-test-key-000001"])
        environment["TERM"] = "screen"
        let send = "\(IngestCLI.binary.path) send --profile \(profile) --topic events --data '{\"n\":1}'"

        for (typed, expected) in [("ing-production-event", "EXIT=2"), ("ing-staging-events", "EXIT=2"), ("ing-production-events", "EXIT=0")] {
            let session = try #require(TmuxSession())
            defer { session.kill() }
            session.start("sh -c \"\(send.replacingOccurrences(of: "\"", with: "\\\"")); echo EXIT=\\$?; sleep 30\"", environment: environment)
            let asked = await session.waitFor(20) { $0.contains("type the topic name ing-production-events") }
            #expect(asked.ok, "no prompt:\n\(asked.screen)")
            session.type(typed)
            session.keys("Enter")
            let done = await session.waitFor(20) { $0.contains("EXIT=") }
            #expect(done.screen.contains(expected), "typed \(typed):\n\(done.screen)")
            if expected == "EXIT=2" {
                #expect(done.screen.contains("not confirmed; nothing was sent"), "\(done.screen)")
                #expect(try await sandbox.appended(topic: "ing-production-events") == 0, "a record reached the platform after typing \(typed)")
            } else {
                #expect(done.screen.contains("\"outcome\":\"delivered\""), "\(done.screen)")
            }
        }
        #expect(try await sandbox.appended(topic: "ing-production-events") == 1)
    }
}
