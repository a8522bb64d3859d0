import Foundation
import IngestCore
import Testing
import TestSupport

/// A profile's `[limits]` against `ingest sandbox`: each refusal exits 2, names the limit, and
/// the sandbox's Kafka log shows nothing arrived; within the limits the send goes, and its
/// reason is in the journal.
@Suite(.serialized) struct SendLimitsTests {
    @Test func limitsRefuseBeforeAnythingIsSent() async throws {
        let key = "limits-key-0a1b2c3d4e"
        let sandbox = try await StandaloneSandbox.start(["--api-key", "env:LIMITS_KEY", "--topic", "ing-production-events", "--topic", "ing-production-players"],
                                                        environment: ["LIMITS_KEY": key])
        defer { sandbox.stop() }
        let workspace = try Workspace("limits")
        let profile = try workspace.profile("prod", """
            name = "prod"
            environment = "production"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-production-"
            api_key = "env:LIMITS_KEY"
            [limits]
            max_records_per_send = 5
            allowed_topics = ["events"]
            require_reason = true
            confirm_idle_minutes = 10
            \(sandbox.trust)
            """)
        let environment = ["LIMITS_KEY": key]
        func send(_ extra: [String]) async throws -> IngestCLI.Run {
            try await workspace.run(["send", "--profile", profile, "--confirm-production", "ing-production-events", "--data", "{\"n\":{{seq}}}"] + extra,
                                    environment: environment)
        }
        let events = try await sandbox.appended(topic: "ing-production-events")
        #expect(events == 0)

        let tooMany = try await send(["--topic", "events", "--count", "6", "--reason", "backfill"])
        #expect(tooMany.status == 2)
        #expect(tooMany.stderr.contains("max_records_per_send = 5") && tooMany.stderr.contains("6 records") && tooMany.stderr.contains("nothing was sent"), "\(tooMany.stderr)")

        let file = try workspace.file("seven.jsonl", (1...7).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n")
        let tooManyInFile = try await workspace.run(["send", "--profile", profile, "--confirm-production", "ing-production-events", "--topic", "events",
                                                     "--file", file.path, "--reason", "backfill"], environment: environment)
        #expect(tooManyInFile.status == 2)
        #expect(tooManyInFile.stderr.contains("7 records"), "\(tooManyInFile.stderr)")

        let unbounded = try await send(["--topic", "events", "--duration", "2s", "--reason", "load"])
        #expect(unbounded.status == 2)
        #expect(unbounded.stderr.contains("max_records_per_send") && unbounded.stderr.contains("--count"), "\(unbounded.stderr)")

        let otherTopic = try await workspace.run(["send", "--profile", profile, "--confirm-production", "ing-production-players", "--topic", "players",
                                                  "--data", "{}", "--reason", "fix"], environment: environment)
        #expect(otherTopic.status == 2)
        #expect(otherTopic.stderr.contains("allowed_topics") && otherTopic.stderr.contains("ing-production-players"), "\(otherTopic.stderr)")

        let noReason = try await send(["--topic", "events", "--count", "2"])
        #expect(noReason.status == 2)
        #expect(noReason.stderr.contains("require_reason") && noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        let blankReason = try await send(["--topic", "events", "--reason", "   "])
        #expect(blankReason.status == 2)

        for refused in [tooMany, tooManyInFile, unbounded, otherTopic, noReason, blankReason] { #expect(refused.stdout.isEmpty) }
        #expect(try await sandbox.appended(topic: "ing-production-events") == 0, "a refused send reached Kafka")
        #expect(try await sandbox.appended(topic: "ing-production-players") == 0, "a refused send reached Kafka")
        let journal = try JournalStore(directory: workspace.state.path)
        let journaled = try journal.runs()
        #expect(journaled.isEmpty, "a refused send was journaled: \(journaled)")

        // Within every limit: sent, and the reason kept with the run in the journal.
        let allowed = try await send(["--topic", "events", "--count", "5", "--reason", "INC-42 replay of lost events"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.lines.count == 5)
        #expect(try await sandbox.appended(topic: "ing-production-events") == 5)
        let runs = try journal.runs()
        #expect(runs.count == 1 && runs.first?.info.reason == "INC-42 replay of lost events", "\(runs)")
        #expect(runs.first?.delivered == 5)
        let listed = try await workspace.run(["journal", "--json"])
        #expect(listed.stdout.contains("\"reason\":\"INC-42 replay of lost events\""), "\(listed.stdout)")
    }

    /// Replay is a send too: a profile that requires a reason refuses a replay without one.
    @Test func replayHoldsToTheLimits() async throws {
        let key = "limits-replay-key-5e6f7a8b"
        let sandbox = try await StandaloneSandbox.start(["--api-key", "env:LIMITS_KEY", "--fail", "503"], environment: ["LIMITS_KEY": key])
        defer { sandbox.stop() }
        let workspace = try Workspace("limits-replay")
        let profile = try workspace.profile("guarded", """
            name = "guarded"
            environment = "dev"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-staging-"
            api_key = "env:LIMITS_KEY"
            journal_values = true
            [limits]
            require_reason = true
            \(sandbox.trust)
            """)
        let first = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--data", "{}", "--reason", "try", "--delivery-timeout", "1"],
                                            environment: ["LIMITS_KEY": key])
        #expect(first.status == 1, "\(first.stderr)")
        let replay = try await workspace.run(["replay", "--failed", "--unknown"], environment: ["LIMITS_KEY": key])
        #expect(replay.status == 2, "\(replay.stderr)")
        #expect(replay.stderr.contains("require_reason"), "\(replay.stderr)")
    }
}
