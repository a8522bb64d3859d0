import Foundation
import IngestSandbox
import Testing
@testable import IngestCore

/// The journal written by `ingest send`, read by `ingest journal`, and replayed by `ingest replay`,
/// against an in-process sandbox whose faults the test turns on and off.
@Suite struct JournalTests {
    @Test func failedRecordsAreJournaledAndReplayed() async throws {
        let key = "journal-key-00000001"
        let server = SandboxServer(.init(apiKey: key, topics: ["ing-staging-events"], partitions: 2))
        try await server.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-journal-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let profile = work.appendingPathComponent("sbx.toml")
        try "name = \"sbx\"\nenvironment = \"sandbox\"\nrest_url = \"\(server.baseURL)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:SANDBOX_KEY\"\n"
            .write(to: profile, atomically: true, encoding: .utf8)
        let events = work.appendingPathComponent("events.jsonl")
        try (1...25).map { "{\"n\":\($0)}" }.joined(separator: "\n").write(to: events, atomically: true, encoding: .utf8)
        let environment = ["SANDBOX_KEY": key, "INGEST_STATE_DIR": work.appendingPathComponent("state").path]

        // First run: the proxy answers 503, the run stops after the first batch of 10.
        var faults = SandboxFaults()
        faults.failRequests = .json503
        server.faults = faults
        let first = try await CLITests.runAsync(["send", "--profile", profile.path, "--topic", "events", "--mode", "batch", "--file", events.path], environment: environment)
        #expect(first.status == 1)
        #expect(first.lines.count == 10)

        let runs = try await CLITests.runAsync(["journal", "--json"], environment: environment)
        let run = try #require(runs.lines.last)
        #expect(run["failed"] as? Int == 10 && run["delivered"] as? Int == 0)
        let runID = try #require(run["run"] as? String)
        let records = try await CLITests.runAsync(["journal", "--run", runID, "--json"], environment: environment)
        #expect(records.lines.count == 10)
        #expect(records.lines.allSatisfy { ($0["digest"] as? String)?.hasPrefix("sha256:") == true && $0["record"] == nil })
        #expect(!records.stdout.contains("\"n\""), "values are not journaled unless the profile opts in")

        // The proxy recovers; the failed ten are replayed from the file, explicitly.
        server.faults = SandboxFaults()
        let replay = try await CLITests.runAsync(["replay", "--failed"], environment: environment)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.lines.count == 10)
        let stored = Set(server.log.records(topic: "ing-staging-events").map { String(decoding: $0.record.value ?? [], as: UTF8.self) })
        #expect(stored == Set((1...10).map { "{\"n\":\($0)}" }))

        // A file changed since the run is refused rather than replayed wrongly.
        try (1...25).map { "{\"n\":\($0 + 100)}" }.joined(separator: "\n").write(to: events, atomically: true, encoding: .utf8)
        let changed = try await CLITests.runAsync(["replay", "--failed", "--run", runID], environment: environment)
        #expect(changed.status == 2)
        #expect(changed.stderr.contains("changed since run"))

        // A torn last line (a killed process) is tolerated.
        let journalPath = work.appendingPathComponent("state/journal.jsonl").path
        let handle = try #require(FileHandle(forWritingAtPath: journalPath))
        handle.seekToEndOfFile()
        handle.write(Data("{\"time\":\"2026-".utf8))
        try handle.close()
        let torn = try await CLITests.runAsync(["journal"], environment: environment)
        #expect(torn.status == 0)
        #expect(torn.stderr.contains("1 unreadable line"))
        #expect(torn.stdout.contains(runID))
        await server.stop()
    }

    @Test func unknownOutcomesWarnBeforeReplay() async throws {
        let key = "journal-key-00000002"
        let server = SandboxServer(.init(apiKey: key, topics: ["ing-staging-events"], partitions: 1))
        var faults = SandboxFaults()
        faults.closeStreamAfter = 2
        server.faults = faults
        try await server.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-journal-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let profile = work.appendingPathComponent("sbx.toml")
        try "name = \"sbx\"\nenvironment = \"sandbox\"\nrest_url = \"\(server.baseURL)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:SANDBOX_KEY\"\njournal_values = true\n"
            .write(to: profile, atomically: true, encoding: .utf8)
        let environment = ["SANDBOX_KEY": key, "INGEST_STATE_DIR": work.appendingPathComponent("state").path]
        let first = try await CLITests.runAsync(["send", "--profile", profile.path, "--topic", "events", "--mode", "stream", "--window", "4",
                                      "--data", "{\"n\":{{seq}}}", "--count", "12"], environment: environment)
        let unknownSeqs = first.lines.filter { $0["outcome"] as? String == "unknown" }.compactMap { $0["seq"] as? Int }
        #expect(first.status == 1)
        #expect(!unknownSeqs.isEmpty)
        server.faults = SandboxFaults()
        let stored = server.log.records(topic: "ing-staging-events").count
        let replay = try await CLITests.runAsync(["replay", "--unknown"], environment: environment)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("may already be in Kafka"))
        #expect(replay.lines.count == unknownSeqs.count)
        // Exactly the unknown records' values reached the log, each once, in their order:
        // none of the delivered ones again, none lost, none made up.
        let replayed = server.log.records(topic: "ing-staging-events").dropFirst(stored).map { String(decoding: $0.record.value ?? [], as: UTF8.self) }
        #expect(replayed == unknownSeqs.sorted().map { "{\"n\":\($0)}" }, "replayed \(replayed), unknown were \(unknownSeqs)")
        await server.stop()
    }
}
