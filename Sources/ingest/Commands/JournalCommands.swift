import ArgumentParser
import Foundation
import IngestCore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List past sends from the journal: runs with their counts, or the records of one run.",
        discussion: """
        The journal keeps 1 GiB and 365 days by default (INGEST_JOURNAL_MAX_SIZE, INGEST_JOURNAL_MAX_AGE: \
        e.g. 500MB, 30d, off); older runs are removed when a send starts, at most once an hour. \
        --prune applies it now, or with --max-size / --max-age.
        """
    )

    @Option(name: .customLong("run"), help: "Show the records of this run (an id from the run list; 'last' for the latest).") var runSelection: String?
    @Option(help: "Only records with this outcome: delivered | failed | unknown.") var outcome: String?
    @Option(help: "Only runs of this profile.") var profile: String?
    @Option(help: "Only runs to this full topic.") var topic: String?
    @Flag(help: "Print the entries as JSON Lines.") var json = false
    @Flag(help: "Remove old runs now: those last written more than --max-age ago, then the oldest until the journal fits in --max-size.") var prune = false
    @Option(name: .customLong("max-size"), help: "With --prune: the most the journal may take, e.g. 500MB, 2GB, off (default 1GiB).") var maxSize: String?
    @Option(name: .customLong("max-age"), help: "With --prune: remove runs last written longer ago, e.g. 30d, 12h, off (default 365d).") var maxAge: String?
    @Flag(name: .customLong("dry-run"), help: "With --prune: say what would be removed, remove nothing.") var dryRun = false

    func run() throws {
        do {
            if let outcome, !["delivered", "failed", "unknown"].contains(outcome) {
                throw InputError("--outcome expects delivered, failed or unknown, got \"\(outcome)\"")
            }
            if !prune, maxSize != nil || maxAge != nil || dryRun { throw InputError("--max-size, --max-age and --dry-run go with --prune") }
            let store = try JournalStore(directory: JournalStore.defaultDirectory())
            JournalQuery.importLegacy(store)
            if prune {
                try pruneJournal(store)
            } else if let runSelection {
                try listRecords(store, run: try store.run(runSelection))
            } else {
                try listRuns(store)
            }
        } catch let error as InputError {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        }
    }

    private func listRuns(_ store: JournalStore) throws {
        let runs = try store.runs(profile: profile, topic: topic)
        if runs.isEmpty, try store.runs().isEmpty {
            Output.error("no journal yet (\(store.directory)/journal): every `ingest send` adds to it")
            return
        }
        let output = BufferedOutput()
        for run in runs {
            if let outcome, run.count(outcome) == 0 { continue }
            let info = run.info
            // Written piece by piece into one buffer: a journal of a working year lists thousands of runs.
            if json {
                output.put("{\"run\":"); output.put(json: run.id)
                output.put(",\"time\":"); output.put(json: run.time)
                output.put(",\"profile\":"); output.put(json: info.profile)
                output.put(",\"environment\":"); output.put(json: info.environment)
                output.put(",\"topic\":"); output.put(json: info.topic)
                output.put(",\"transport\":"); output.put(json: info.transport)
                output.put(",\"mode\":"); output.put(json: info.mode)
                output.put(",\"source\":"); output.put(json: info.source)
                output.put(",\"delivered\":"); output.put(run.delivered)
                output.put(",\"failed\":"); output.put(run.failed)
                output.put(",\"unknown\":"); output.put(run.unknown)
                output.put(",\"state\":"); output.put(json: run.state.rawValue)
                output.put(",\"bytes\":"); output.put(run.bytes)
                if let reason = info.reason { output.put(",\"reason\":"); output.put(json: reason) }
                if let stop = run.stopReason { output.put(",\"stop_reason\":"); output.put(json: stop) }
                output.put("}")
            } else {
                output.put(run.id); output.put("  "); output.put(run.time); output.put("  ")
                output.put(info.profile); output.put(" ("); output.put(info.environment == "production" ? "PRODUCTION" : info.environment)
                output.put(")  "); output.put(info.topic); output.put("  "); output.put(info.transport); output.put("/"); output.put(info.mode)
                output.put("  delivered "); output.put(run.delivered); output.put(", failed "); output.put(run.failed)
                output.put(", unknown "); output.put(run.unknown)
                if run.state != .finished { output.put(run.state == .killed ? "  (killed before its end)" : "  (running)") }
            }
            output.endLine()
        }
        output.flush()
    }

    private func listRecords(_ store: JournalStore, run: JournalRunSummary) throws {
        if let profile, run.info.profile != profile { return }
        if let topic, run.info.topic != topic { return }
        let output = BufferedOutput()
        let skipped = try store.entries(run: run.id) { record in
            guard outcome == nil || record.outcome.name == outcome else { return }
            let entry = JournalEntry(run: run, entry: record)
            if json {
                output.line(entry.jsonLine)
            } else {
                let detail: String
                switch entry.outcome {
                case "delivered": detail = "partition \(entry.partition ?? -1) offset \(entry.offset ?? -1)"
                default: detail = [entry.error_code.map { "error_code \($0)" }, entry.message].compactMap { $0 }.joined(separator: ": ")
                }
                output.line("\(entry.time)  seq \(entry.seq)  \(entry.outcome.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.size) B  \(detail)")
            }
        }
        output.flush()
        if skipped > 0 { Output.error("note: \(skipped) unreadable line(s) skipped (a torn last line from a killed run is expected)") }
    }

    private func pruneJournal(_ store: JournalStore) throws {
        var policy = store.retention
        if let maxSize { policy.maximumBytes = try JournalRetention.parseSize(maxSize, what: "--max-size") }
        if let maxAge { policy.maximumAge = try JournalRetention.parseAge(maxAge, what: "--max-age") }
        let result = try store.prune(policy, dryRun: dryRun, removeLegacy: true)
        let verb = dryRun ? "would remove" : "removed"
        Output.out("\(verb) \(result.removedRuns.count) run(s), \(Self.megabytes(result.removedBytes)); kept \(result.keptRuns) run(s), \(Self.megabytes(result.keptBytes))")
        if let legacy = result.removedLegacyFile { Output.out("\(verb) \(legacy) (the old journal, already imported)") }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}


struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-send the failed and/or unknown records of a past run (from the journal).",
        discussion: """
        Records whose outcome was unknown may already be in Kafka: replaying them may duplicate them. \
        Values come from the journal when the profile sets journal_values = true, otherwise from the \
        run's file, checked against each record's digest.
        """
    )

    @Option(name: .customLong("run"), help: "The run to replay (default: the latest).") var runSelection = "last"
    @Flag(help: "Replay failed records.") var failed = false
    @Flag(help: "Replay unknown records (they may already be in Kafka).") var unknown = false
    @Option(help: "single | batch | stream (default: the run's mode)") var mode: RestMode?
    @Option(name: .customLong("confirm-production"), help: "Required when the run went to production: the full topic name.") var confirmProduction: String?
    @Option(help: "Why this replay is made; kept in the journal (required by profiles with require_reason).") var reason: String?

    func run() async throws {
        guard failed || unknown else {
            Output.error("ingest: say what to replay: --failed, --unknown or both")
            throw ExitCode(Exit.usage)
        }
        let plan: JournalQuery.Plan
        let session: ProfileSession
        let store: JournalStore
        var keptReason: String?
        do {
            store = try JournalStore(directory: JournalStore.defaultDirectory())
            JournalQuery.importLegacy(store)
            let run = try store.run(runSelection)
            plan = try JournalQuery.plan(store: store, run: run, outcomes: Set([failed ? "failed" : nil, unknown ? "unknown" : nil].compactMap { $0 }))
            guard !plan.records.isEmpty else {
                Output.error("run \(run.id): nothing to replay")
                return
            }
            let file = run.info.profileFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            let profile = try ProfileStore.standard().load(file ?? run.info.profile)
            // A replay is a send: the profile's limits hold for it too.
            keptReason = try SendGuards.checkLimits(profile, plan: SendPlan(topic: run.info.topic, source: .records(plan.records, origin: "replay"),
                                                                             transport: .rest(.single)), reason: reason)
            try ProductionGuard.check(profile, topic: run.info.topic, confirmation: confirmProduction)
            if plan.unknownCount > 0 {
                Output.error("warning: \(plan.unknownCount) record(s) had an unknown outcome: they may already be in Kafka, and replaying may duplicate them")
            }
            session = try await ProfileSession.open(profile, terminalPrompt: TerminalPrompt.secretPrompt)
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        // The run's own way (REST mode or native) unless --mode asks for a REST mode.
        let transport = mode.map { Transport.rest($0) } ?? Transport(modeName: plan.run.info.mode) ?? .rest(.single)
        let sendPlan = SendPlan(topic: plan.run.info.topic, source: .records(plan.records, origin: "replay:\(plan.run.id)"), transport: transport)
        Output.error("replaying \(plan.records.count) record(s) of run \(plan.run.id) to \(plan.run.info.topic)")
        let result = await Send.send(sendPlan, session: session, reason: keptReason, store: store)
        await session.close()
        try Send.finish(result)
    }
}

enum JournalQuery {
    struct Plan {
        var run: JournalRunSummary
        var records: [EventRecord]
        var unknownCount: Int
    }

    /// Imports an old single-file journal once, saying so.
    static func importLegacy(_ store: JournalStore) {
        do {
            guard let imported = try store.importLegacyJournal() else { return }
            Output.error("note: imported \(imported.runs) run(s), \(imported.entries) record(s) from the old journal; it is kept as \(imported.keptAs) until `ingest journal --prune`")
        } catch {
            Output.error("warning: the old journal could not be imported (\(error)); it is left as it was")
        }
    }

    /// The records of `run` whose outcome is in `outcomes`, rebuilt from the journal or the run's file.
    static func plan(store: JournalStore, run: JournalRunSummary, outcomes: Set<String>) throws -> Plan {
        var wanted: [Int: JournalRecordEntry] = [:]
        try store.entries(run: run.id) { entry in
            if outcomes.contains(entry.outcome.name) { wanted[entry.seq] = entry } else { wanted[entry.seq] = nil }
        }
        let entries = wanted.values.sorted { $0.seq < $1.seq }
        var records: [EventRecord] = []
        if entries.allSatisfy({ $0.value != nil }) {
            for entry in entries {
                records.append(try RecordShape.record(fromJSON: entry.value!, valueType: .json))
            }
        } else if run.info.source.hasPrefix("file:") {
            let file = String(run.info.source.dropFirst(5))
            let reader = try EventFileReader(path: file, format: EventFileReader.Format(rawValue: run.info.format ?? "auto") ?? .auto,
                                             valueType: ValueType(rawValue: run.info.valueType ?? "JSON") ?? .json)
            var seq = 0
            var bySeq = Dictionary(uniqueKeysWithValues: entries.map { ($0.seq, $0) })
            while !bySeq.isEmpty, let record = try reader.next() {
                seq += 1
                guard let entry = bySeq.removeValue(forKey: seq) else { continue }
                // Runs imported from the first format carry its digest of the REST body.
                let digest = entry.digest?.hasPrefix("sha256:") == true ? LegacyRecordDigest.text(record) : RecordDigest(record).text
                guard digest == entry.digest else {
                    throw InputError("\(file) changed since run \(run.id): record \(seq) no longer matches what was sent; nothing replayed")
                }
                records.append(record)
            }
            guard bySeq.isEmpty else { throw InputError("\(file) is shorter than when run \(run.id) read it; nothing replayed") }
        } else {
            throw InputError("run \(run.id) sent --data and the profile did not keep values (journal_values = true): send it again with ingest send")
        }
        return Plan(run: run, records: records, unknownCount: entries.filter { $0.outcome.name == "unknown" }.count)
    }
}
