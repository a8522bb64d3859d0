import Foundation
import IngestSandbox
import NIOConcurrencyHelpers
import Testing
@testable import IngestCore

/// The journal written by `ingest send`, read by `ingest journal`, and replayed by `ingest replay`,
/// against an in-process sandbox whose faults the test turns on and off. Each test has its own
/// state directory.
@Suite struct JournalTests {
    /// A sandbox, a profile for it, and a state directory of the test's own.
    struct Fixture {
        let server: SandboxServer
        let workspace: Workspace
        let profile: URL
        let environment: [String: String]
        var work: URL { workspace.root }
        var state: URL { workspace.state }

        init(key: String, partitions: Int = 2, keepValues: Bool = false) async throws {
            server = SandboxServer(.init(apiKey: key, topics: ["ing-staging-events"], partitions: partitions))
            try await server.start()
            workspace = try Workspace("journal")
            profile = URL(fileURLWithPath: try workspace.profile("sbx",
                "name = \"sbx\"\nenvironment = \"sandbox\"\nrest_url = \"\(server.baseURL)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:SANDBOX_KEY\"\n"
                    + (keepValues ? "journal_values = true\n" : "")))
            environment = ["SANDBOX_KEY": key]
        }

        func ingest(_ arguments: [String]) async throws -> IngestCLI.Run {
            try await workspace.run(arguments, environment: environment)
        }

        func send(_ extra: [String]) async throws -> IngestCLI.Run {
            try await ingest(["send", "--profile", profile.path, "--topic", "events"] + extra)
        }

        func stored() -> [String] {
            server.log.records(topic: "ing-staging-events").map { String(decoding: $0.record.value ?? [], as: UTF8.self) }
        }

        func close() async {
            await server.stop()
        }
    }

    @Test func failedRecordsAreJournaledAndReplayed() async throws {
        let fixture = try await Fixture(key: "journal-key-00000001")
        let events = fixture.work.appendingPathComponent("events.jsonl")
        try (1...25).map { "{\"n\":\($0)}" }.joined(separator: "\n").write(to: events, atomically: true, encoding: .utf8)

        // First run: the proxy answers 503 to every batch, until each record's delivery
        // timeout: all 25 fail, never stored.
        var faults = SandboxFaults()
        faults.failRequests = .json503
        fixture.server.faults = faults
        let first = try await fixture.send(["--mode", "batch", "--file", events.path, "--delivery-timeout", "1"])
        #expect(first.status == 1)
        #expect(first.lines.count == 25)

        let runs = try await fixture.ingest(["journal", "--json"])
        let run = try #require(runs.lines.last)
        #expect(run["failed"] as? Int == 25 && run["delivered"] as? Int == 0 && run["state"] as? String == "finished")
        let runID = try #require(run["run"] as? String)
        let records = try await fixture.ingest(["journal", "--run", runID, "--json"])
        #expect(records.lines.count == 25)
        #expect(records.lines.allSatisfy { ($0["digest"] as? String)?.count == 22 && $0["record"] == nil && $0["topic"] as? String == "ing-staging-events" })
        #expect(!records.stdout.contains("\"n\""), "values are not journaled unless the profile opts in")

        // The proxy recovers; the failed 25 are replayed from the file, checked against their digests.
        fixture.server.faults = SandboxFaults()
        let replay = try await fixture.ingest(["replay", "--failed"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.lines.count == 25)
        #expect(fixture.stored().count == 25 && Set(fixture.stored()) == Set((1...25).map { "{\"n\":\($0)}" }))

        // A file changed since the run is refused rather than replayed wrongly.
        try (1...25).map { "{\"n\":\($0 + 100)}" }.joined(separator: "\n").write(to: events, atomically: true, encoding: .utf8)
        let changed = try await fixture.ingest(["replay", "--failed", "--run", runID])
        #expect(changed.status == 2)
        #expect(changed.stderr.contains("changed since run"))

        // A torn last line (a killed process) is skipped and said so.
        let handle = try FileHandle(forWritingTo: fixture.state.appendingPathComponent("journal/runs/\(runID).jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"s\":11,\"t\":4,\"o\":\"d".utf8))
        try handle.close()
        let torn = try await fixture.ingest(["journal", "--run", runID])
        #expect(torn.status == 0)
        #expect(torn.stderr.contains("1 unreadable line"))
        #expect(torn.stdout.split(separator: "\n").count == 25)
        await fixture.close()
    }

    @Test func unknownOutcomesWarnBeforeReplay() async throws {
        let fixture = try await Fixture(key: "journal-key-00000002", partitions: 1, keepValues: true)
        var faults = SandboxFaults()
        faults.closeStreamAfter = 2
        fixture.server.faults = faults
        let first = try await fixture.send(["--mode", "stream", "--window", "4", "--data", "{\"n\":{{seq}}}", "--count", "12"])
        let unknownSeqs = first.lines.filter { $0["outcome"] as? String == "unknown" }.compactMap { $0["seq"] as? Int }
        #expect(first.status == 1)
        #expect(!unknownSeqs.isEmpty)
        fixture.server.faults = SandboxFaults()
        let stored = fixture.stored().count
        let replay = try await fixture.ingest(["replay", "--unknown"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("may already be in Kafka"))
        #expect(replay.lines.count == unknownSeqs.count)
        // Exactly the unknown records' values reached the log, each once, in their order:
        // none of the delivered ones again, none lost, none made up.
        let replayed = Array(fixture.stored().dropFirst(stored))
        #expect(replayed == unknownSeqs.sorted().map { "{\"n\":\($0)}" }, "replayed \(replayed), unknown were \(unknownSeqs)")
        await fixture.close()
    }

    /// Issue 10: a killed run leaves a torn last line; the next run's first entry was appended
    /// to the fragment, on the same line, and lost with it. Through the binary: 3 records, the
    /// journal's files cut mid-line, 3 more that fail: the new run lists 3 failed, and replay
    /// finds and re-sends all 3. (On the first format this listed 2 and replayed 2.)
    @Test func aTornJournalDoesNotSwallowTheNextRunsFirstRecord() async throws {
        let fixture = try await Fixture(key: "journal-key-00000003", partitions: 1, keepValues: true)
        let send = ["--mode", "batch", "--data", "{\"n\":{{seq}}}", "--count", "3"]
        let first = try await fixture.send(send)
        #expect(first.status == 0, "\(first.stderr)")
        // A killed writer: every journal file loses its last 40 bytes, mid-line.
        let files = ((FileManager.default.enumerator(atPath: fixture.state.path)?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(".jsonl") }
        #expect(!files.isEmpty)
        for file in files {
            let handle = try FileHandle(forUpdating: fixture.state.appendingPathComponent(file))
            let size = try handle.seekToEnd()
            try handle.truncate(atOffset: size - 40)
            try handle.close()
        }

        var faults = SandboxFaults()
        faults.failRequests = .json503
        fixture.server.faults = faults
        let second = try await fixture.send(send + ["--delivery-timeout", "1"])
        #expect(second.status == 1)
        #expect(second.lines.filter { $0["outcome"] as? String == "failed" }.count == 3)

        let runs = try await fixture.ingest(["journal", "--json"])
        #expect(runs.status == 0, "\(runs.stderr)")
        let last = try #require(runs.lines.last)
        #expect(last["failed"] as? Int == 3, "the run after the tear: \(last)")
        #expect(runs.lines.count == 2, "both runs listed: \(runs.stdout)")

        fixture.server.faults = SandboxFaults()
        let replay = try await fixture.ingest(["replay", "--failed"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.lines.count == 3)
        #expect(fixture.stored().sorted() == ["{\"n\":1}", "{\"n\":1}", "{\"n\":2}", "{\"n\":2}", "{\"n\":3}", "{\"n\":3}"])
        await fixture.close()
    }

    /// `kill -9` in the middle of a stream: the killed run still lists, with the counts of the
    /// entries it wrote (every report it printed among them), and the next run is complete.
    @Test(.timeLimit(.minutes(3)))
    func aKilledSendStillListsAndTheNextRunIsComplete() async throws {
        let fixture = try await Fixture(key: "journal-key-00000004")
        let printed = try await Self.killWhenPrinted(200, [
            "send", "--profile", fixture.profile.path, "--topic", "events", "--mode", "stream",
            "--data", "{\"n\":{{seq}}}", "--count", "1000000",
        ], workspace: fixture.workspace, environment: fixture.environment)
        let printedSeqs = Set(printed.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["seq"] as? Int
        })
        #expect(printedSeqs.count >= 200)

        let next = try await fixture.send(["--data", "{\"n\":{{seq}}}", "--count", "3"])
        #expect(next.status == 0, "\(next.stderr)")

        let runs = try await fixture.ingest(["journal", "--json"])
        #expect(runs.lines.count == 2, "\(runs.stdout)\n\(runs.stderr)")
        let killed = try #require(runs.lines.first)
        let complete = try #require(runs.lines.last)
        #expect(killed["state"] as? String == "killed")
        #expect(complete["state"] as? String == "finished" && complete["delivered"] as? Int == 3)
        let killedID = try #require(killed["run"] as? String)
        let text = try await fixture.ingest(["journal"])
        #expect(text.stdout.contains("\(killedID)") && text.stdout.contains("(killed before its end)"))

        let entries = try await fixture.ingest(["journal", "--run", killedID, "--json"])
        let journaled = Set(entries.lines.compactMap { $0["seq"] as? Int })
        #expect(journaled.count == entries.lines.count, "a record journaled twice")
        let listed = (killed["delivered"] as? Int ?? 0) + (killed["failed"] as? Int ?? 0) + (killed["unknown"] as? Int ?? 0)
        #expect(listed == journaled.count)
        // Each report is journaled before it is printed: what the operator saw is in the journal.
        #expect(printedSeqs.isSubset(of: journaled), "printed but not journaled: \(printedSeqs.subtracting(journaled).sorted().prefix(10))")
        await fixture.close()
    }

    @Test func pruneRemovesOldRunsAndSaysWhat() async throws {
        let fixture = try await Fixture(key: "journal-key-00000005")
        for _ in 0..<3 { #expect(try await fixture.send(["--data", "{}", "--count", "2"]).status == 0) }
        let runs = try await fixture.ingest(["journal", "--json"]).lines.compactMap { $0["run"] as? String }
        #expect(runs.count == 3)
        // The two oldest were last written 40 days ago.
        for id in runs.prefix(2) {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-40 * 86_400)],
                                                  ofItemAtPath: fixture.state.appendingPathComponent("journal/runs/\(id).jsonl").path)
        }
        let dry = try await fixture.ingest(["journal", "--prune", "--max-age", "30d", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would remove 2 run(s)"), "\(dry.stdout)\(dry.stderr)")
        #expect(try await fixture.ingest(["journal", "--json"]).lines.count == 3)

        let pruned = try await fixture.ingest(["journal", "--prune", "--max-age", "30d"])
        #expect(pruned.status == 0 && pruned.stdout.contains("removed 2 run(s)") && pruned.stdout.contains("kept 1 run(s)"), "\(pruned.stdout)")
        let left = try await fixture.ingest(["journal", "--json"])
        #expect(left.lines.compactMap { $0["run"] as? String } == [runs[2]])
        let index = try String(contentsOf: fixture.state.appendingPathComponent("journal/runs.jsonl"), encoding: .utf8)
        #expect(!index.contains(runs[0]) && !index.contains(runs[1]) && index.contains(runs[2]))

        let bad = try await fixture.ingest(["journal", "--prune", "--max-size", "lots"])
        #expect(bad.status == 2 && bad.stderr.contains("--max-size expects a size"))
        let stray = try await fixture.ingest(["journal", "--max-age", "3d"])
        #expect(stray.status == 2 && stray.stderr.contains("go with --prune"))
        await fixture.close()
    }

    /// A first-format `journal.jsonl` is imported on first read: its runs list, keep their
    /// ids and digests, and a failed record is replayed from its file with the old digest.
    @Test func anOldJournalIsImportedAndReplayable() async throws {
        let fixture = try await Fixture(key: "journal-key-00000006")
        let events = fixture.work.appendingPathComponent("events.jsonl")
        try "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n".write(to: events, atomically: true, encoding: .utf8)
        let records = try EventFileReader(path: events.path)
        var lines: [String] = []
        var seq = 0
        while let record = try records.next() {
            seq += 1
            lines.append(JournalEntry(time: "2026-10-0\(seq)T10:00:00.000Z", run: "0a1b2c3d", profile: "sbx", profile_file: fixture.profile.path,
                                      environment: "sandbox", topic: "ing-staging-events", transport: "rest", mode: "single", seq: seq,
                                      digest: LegacyRecordDigest.text(record), size: 7, outcome: seq == 3 ? "failed" : "delivered",
                                      partition: seq == 3 ? nil : 0, offset: seq == 3 ? nil : Int64(seq), error_code: seq == 3 ? 50003 : nil,
                                      message: seq == 3 ? "unavailable" : nil, source: "file:\(events.path)", format: "auto", value_type: "JSON").jsonLine)
        }
        try FileManager.default.createDirectory(at: fixture.state, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n{\"time\":\"2026-").write(to: fixture.state.appendingPathComponent("journal.jsonl"), atomically: true, encoding: .utf8)

        let listed = try await fixture.ingest(["journal"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stderr.contains("imported 1 run(s), 3 record(s)"), "\(listed.stderr)")
        #expect(listed.stdout.contains("0a1b2c3d  2026-10-01T10:00:00.000Z  sbx (sandbox)  ing-staging-events  rest/single  delivered 2, failed 1, unknown 0"),
                "\(listed.stdout)")
        #expect(FileManager.default.fileExists(atPath: fixture.state.appendingPathComponent("journal.jsonl.imported").path))
        let again = try await fixture.ingest(["journal"])
        #expect(!again.stderr.contains("imported") && again.stdout == listed.stdout)

        let replay = try await fixture.ingest(["replay", "--failed", "--run", "0a1b2c3d"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(fixture.stored() == ["{\"n\":3}"])
        let pruned = try await fixture.ingest(["journal", "--prune"])
        #expect(pruned.stdout.contains("journal.jsonl.imported (the old journal, already imported)"))
        await fixture.close()
    }

    /// Runs `ingest` until it has printed `count` lines on stdout, then kills it with SIGKILL;
    /// returns what it printed. Bounded in time; polls without blocking a cooperative thread.
    static func killWhenPrinted(_ count: Int, _ arguments: [String], workspace: Workspace, environment: [String: String],
                                timeout: Duration = .seconds(90)) async throws -> String {
        let process = try workspace.launch(arguments, environment: environment)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline, process.stdout.filter({ $0 == "\n" }).count < count {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(process.isRunning, "ingest ended before it could be killed")
        kill(process.pid, SIGKILL)
        _ = await process.exit(within: .seconds(10))
        return process.stdout
    }
}
