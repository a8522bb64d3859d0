import Foundation
import IngestTUI
import Testing
@testable import IngestConsole
@testable import IngestCore

/// History across sessions over a real journal (issue 14, item 6): runs listed newest first,
/// and a past send loaded back from what is known of it.
@Suite struct ConsoleHistoryTests {
    /// One journaled run of `plan`, one record delivered.
    static func journal(_ plan: SendPlan, record: EventRecord, values: Bool, in store: JournalStore) throws -> String {
        var profile = SandboxHarness.profile()
        profile.journalValues = values
        let sink = try JournalSink(plan: plan, profile: profile, store: store)
        sink.willSend(seq: 1, record: record)
        sink.didReport([DeliveryReport(seq: 1, outcome: .delivered(partition: 0, offset: 7, timestamp: nil), latencyMilliseconds: 1)])
        var result = SendResult()
        result.ledger.record(DeliveryReport(seq: 1, outcome: .delivered(partition: 0, offset: 7, timestamp: nil)))
        sink.didFinish(result)
        return sink.runID
    }

    @Test func runsAndWhatEachLoadsBackAs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-history-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JournalStore(directory: directory)
        let history = ConsoleHistory(stateDirectory: directory)
        let template = EventTemplate(value: "{\"n\": {{seq}}}", key: "k-{{seq}}", headers: [HeaderTemplate(name: "src", value: "console")])
        let record = try TemplateSource(template).record(seq: 1)
        let compose = SendPlan(topic: "ing-staging-events", source: .template(template, count: 3), transport: .rest(.batch))

        // A console send: its template comes back, not only its record.
        let fromConsole = try Self.journal(compose, record: record, values: false, in: store)
        history.remember(run: fromConsole, plan: compose)
        // A CLI send whose journal kept values: record 1 comes back.
        let withValues = try Self.journal(compose, record: record, values: true, in: store)
        // One that kept only digests: topic and mode, and a note saying so.
        let digestOnly = try Self.journal(SendPlan(topic: "ing-staging-other", source: .template(template, count: 1), transport: .native),
                                          record: record, values: false, in: store)
        // A file send: its path.
        let file = try Self.journal(SendPlan(topic: "ing-staging-events", source: .file(path: "/data/e.jsonl", format: .auto, valueType: .json),
                                             transport: .rest(.stream)), record: record, values: false, in: store)

        let runs = try history.runs(limit: 10)
        #expect(runs.map(\.id) == [file, digestOnly, withValues, fromConsole])
        #expect(runs.allSatisfy { $0.delivered == 1 && $0.state == "finished" && $0.profile == "test" })
        #expect(try history.runs(limit: 2).map(\.id) == [file, digestOnly])

        let a = try history.pastSend(run: fromConsole)
        #expect(a.note == nil && a.draft == ComposeDraft(plan: compose))
        #expect(a.draft.value == "{\"n\": {{seq}}}" && a.draft.count == "3")

        let b = try history.pastSend(run: withValues)
        #expect(b.draft.value == "{\"n\":1}", "\(b)")  // the same JSON, as the journal re-reads it
        #expect(b.draft.key == "k-1" && b.draft.headers == "src=console" && b.draft.mode == "batch", "\(b)")
        #expect(b.note?.contains("record 1 as journaled") == true)

        let c = try history.pastSend(run: digestOnly)
        #expect(c.draft.topic == "ing-staging-other" && c.draft.mode == "native" && c.draft.value == nil)
        #expect(c.note?.contains("journal_values = false") == true)

        let d = try history.pastSend(run: file)
        #expect(d.draft.filePath == "/data/e.jsonl" && d.note == nil)

        #expect(throws: (any Error).self) { try history.pastSend(run: "nosuch00") }
    }

    /// What is kept beside the journal stays bounded.
    @Test func keptDraftsAreBounded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-history-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var history = ConsoleHistory(stateDirectory: directory)
        history.keep = 5
        let plan = SendPlan(topic: "ing-staging-events", source: .template(EventTemplate(value: "{}"), count: 1), transport: .rest(.single))
        for i in 0..<120 { history.remember(run: String(format: "run%05d", i), plan: plan) }
        let kept = try FileManager.default.contentsOfDirectory(atPath: history.directory)
        #expect(kept.count <= 105, "\(kept.count) files kept")
        let mode = try FileManager.default.attributesOfItem(atPath: history.path("run00119"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
