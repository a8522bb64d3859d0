import Foundation
import IngestCore
import IngestTUI

/// History across sessions: the journal's runs, and a console send's Compose fields kept
/// beside them (`drafts/runs/RUN.json`, owner-only, the newest `keep`), so that any past send
/// can be loaded into Compose again - its template, not only the records it made.
struct ConsoleHistory: Sendable {
    let stateDirectory: String
    var keep = 500

    var directory: String { (stateDirectory as NSString).appendingPathComponent("drafts/runs") }

    func path(_ run: String) -> String { (directory as NSString).appendingPathComponent(run + ".json") }

    /// Keeps what a console send was made of, under its journal run.
    func remember(run: String, plan: SendPlan) {
        guard let data = try? JSONEncoder().encode(ComposeDraft(plan: plan)) else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path(run) + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, path(run)) != 0 { unlink(temporary) }
        prune()
    }

    /// Bounded: past `keep` + 100 files, the oldest go down to `keep`.
    func prune() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory), names.count > keep + 100 else { return }
        let dated = names.map { name -> (String, Date) in
            let full = (directory as NSString).appendingPathComponent(name)
            return (full, ((try? FileManager.default.attributesOfItem(atPath: full))?[.modificationDate] as? Date) ?? .distantPast)
        }
        for (full, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(names.count - keep) { unlink(full) }
    }

    func runs(limit: Int) throws -> [PastRun] {
        let store = try JournalStore(directory: stateDirectory)
        return try store.runs().suffix(limit).reversed().map { r in
            PastRun(id: r.id, time: r.time, profile: r.info.profile, topic: r.info.topic, mode: r.info.mode, source: r.info.source,
                    delivered: r.delivered, failed: r.failed, unknown: r.unknown, state: r.state.rawValue,
                    stopReason: r.stopReason.map(SecretScrubber.scrub), reason: r.info.reason.map(SecretScrubber.scrub))
        }
    }

    /// A run's send as Compose's fields, from what is known of it.
    func pastSend(run: String) throws -> LoadedSend {
        let store = try JournalStore(directory: stateDirectory)
        let summary = try store.run(run)
        if let data = FileManager.default.contents(atPath: path(summary.id)), let draft = try? JSONDecoder().decode(ComposeDraft.self, from: data) {
            return LoadedSend(draft: draft)
        }
        var draft = ComposeDraft()
        draft.topic = summary.info.topic
        draft.mode = summary.info.mode
        if summary.info.source.hasPrefix("file:") {
            draft.filePath = String(summary.info.source.dropFirst("file:".count))
            return LoadedSend(draft: draft)
        }
        if summary.keepsValues, let first = try firstValue(store, run: summary.id),
           let record = try? RecordShape.record(fromJSON: first, valueType: .json) {
            draft.fill(record: record)
            return LoadedSend(draft: draft, note: "record 1 as journaled (the template it came from was not kept)")
        }
        return LoadedSend(draft: draft, note: "the journal kept only a digest of its records (journal_values = false): topic and mode loaded, not the value")
    }

    private struct Found: Error { var value: [UInt8] }

    /// The first journaled value of a run, read no further than that.
    private func firstValue(_ store: JournalStore, run: String) throws -> [UInt8]? {
        do {
            try store.entries(run: run) { entry in if let value = entry.value { throw Found(value: value) } }
        } catch let found as Found {
            return found.value
        }
        return nil
    }
}
