import ArgumentParser
import Foundation
import IngestCore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List past sends from the journal: runs with their counts, or the records of one run."
    )

    @Option(name: .customLong("run"), help: "Show the records of this run (an id from the run list; 'last' for the latest).") var runSelection: String?
    @Option(help: "Only records with this outcome: delivered | failed | unknown.") var outcome: String?
    @Option(help: "Only runs of this profile.") var profile: String?
    @Option(help: "Only runs to this full topic.") var topic: String?
    @Flag(help: "Print the entries as JSON Lines.") var json = false

    func run() throws {
        let path = Journal.defaultDirectory() + "/journal.jsonl"
        guard FileManager.default.fileExists(atPath: path) else {
            Output.error("no journal yet (\(path)): every `ingest send` adds to it")
            return
        }
        let runID = try runSelection.map { $0 == "last" ? try JournalQuery.lastRun(path: path) : $0 }
        var runs: [(id: String, first: JournalEntry, counts: [String: Int])] = []
        var index: [String: Int] = [:]
        let skipped = try Journal.read(path: path) { entry in
            if let profile, entry.profile != profile { return }
            if let topic, entry.topic != topic { return }
            if let runID {
                guard entry.run == runID, outcome == nil || entry.outcome == outcome else { return }
                if json {
                    Output.out(entry.jsonLine)
                } else {
                    let detail: String
                    switch entry.outcome {
                    case "delivered": detail = "partition \(entry.partition ?? -1) offset \(entry.offset ?? -1)"
                    default: detail = [entry.error_code.map { "error_code \($0)" }, entry.message].compactMap { $0 }.joined(separator: ": ")
                    }
                    Output.out("\(entry.time)  seq \(entry.seq)  \(entry.outcome.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.size) B  \(detail)")
                }
                return
            }
            if let position = index[entry.run] {
                runs[position].counts[entry.outcome, default: 0] += 1
            } else {
                index[entry.run] = runs.count
                runs.append((entry.run, entry, [entry.outcome: 1]))
            }
        }
        if runID == nil {
            for run in runs {
                if let outcome, run.counts[outcome, default: 0] == 0 { continue }
                let counts = ["delivered", "failed", "unknown"].map { "\($0) \(run.counts[$0, default: 0])" }.joined(separator: ", ")
                let env = run.first.environment == "production" ? "PRODUCTION" : run.first.environment
                if json {
                    Output.out("{\"run\":\"\(run.id)\",\"time\":\"\(run.first.time)\",\"profile\":\(RecordEncoding.jsonString(run.first.profile)),\"environment\":\"\(run.first.environment)\",\"topic\":\(RecordEncoding.jsonString(run.first.topic)),\"transport\":\"\(run.first.transport)\",\"mode\":\"\(run.first.mode)\",\"delivered\":\(run.counts["delivered", default: 0]),\"failed\":\(run.counts["failed", default: 0]),\"unknown\":\(run.counts["unknown", default: 0])}")
                } else {
                    Output.out("\(run.id)  \(run.first.time)  \(run.first.profile) (\(env))  \(run.first.topic)  \(run.first.transport)/\(run.first.mode)  \(counts)")
                }
            }
        }
        if skipped > 0 { Output.error("note: \(skipped) unreadable line(s) skipped (a torn last line from a killed run is expected)") }
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
        let path = Journal.defaultDirectory() + "/journal.jsonl"
        let plan: JournalQuery.Plan
        let session: ProfileSession
        var keptReason: String?
        do {
            let runID = runSelection == "last" ? try JournalQuery.lastRun(path: path) : runSelection
            plan = try JournalQuery.plan(path: path, run: runID, outcomes: Set([failed ? "failed" : nil, unknown ? "unknown" : nil].compactMap { $0 }))
            guard !plan.records.isEmpty else {
                Output.error("run \(runID): nothing to replay")
                return
            }
            let file = plan.first.profile_file.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            let profile = try ProfileStore.standard().load(file ?? plan.first.profile)
            // A replay is a send: the profile's limits hold for it too.
            keptReason = try SendGuards.checkLimits(profile, plan: SendPlan(topic: plan.first.topic, source: .records(plan.records, origin: "replay"),
                                                                             transport: .rest(.single)), reason: reason)
            try ProductionGuard.check(profile, topic: plan.first.topic, confirmation: confirmProduction)
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
        let transport = mode.map { Transport.rest($0) } ?? Transport(modeName: plan.first.mode) ?? .rest(.single)
        let sendPlan = SendPlan(topic: plan.first.topic, source: .records(plan.records, origin: "replay:\(plan.first.run)"), transport: transport)
        Output.error("replaying \(plan.records.count) record(s) of run \(plan.first.run) to \(plan.first.topic)")
        let result = await Send.send(sendPlan, session: session, reason: keptReason)
        await session.close()
        try Send.finish(result)
    }
}

enum JournalQuery {
    struct Plan {
        var first: JournalEntry
        var records: [EventRecord]
        var unknownCount: Int
    }

    static func lastRun(path: String) throws -> String {
        var last: String?
        _ = try Journal.read(path: path) { last = $0.run }
        guard let last else { throw InputError("the journal \(path) is empty") }
        return last
    }

    /// The records of `run` whose outcome is in `outcomes`, rebuilt from the journal or the run's file.
    static func plan(path: String, run: String, outcomes: Set<String>) throws -> Plan {
        var wanted: [Int: JournalEntry] = [:]
        var first: JournalEntry?
        _ = try Journal.read(path: path) { entry in
            guard entry.run == run else { return }
            if first == nil { first = entry }
            if outcomes.contains(entry.outcome) { wanted[entry.seq] = entry } else { wanted[entry.seq] = nil }
        }
        guard let first else { throw InputError("no run \(run) in the journal \(path)") }
        let entries = wanted.values.sorted { $0.seq < $1.seq }
        var records: [EventRecord] = []
        if entries.allSatisfy({ $0.record != nil }) {
            for entry in entries {
                records.append(try RecordShape.record(fromJSON: Array(entry.record!.utf8), valueType: .json))
            }
        } else if first.source.hasPrefix("file:") {
            let file = String(first.source.dropFirst(5))
            let reader = try EventFileReader(path: file, format: EventFileReader.Format(rawValue: first.format ?? "auto") ?? .auto,
                                             valueType: ValueType(rawValue: first.value_type ?? "JSON") ?? .json)
            var seq = 0
            var bySeq = Dictionary(uniqueKeysWithValues: entries.map { ($0.seq, $0) })
            while !bySeq.isEmpty, let record = try reader.next() {
                seq += 1
                guard let entry = bySeq.removeValue(forKey: seq) else { continue }
                let digest = Journal.digest(RecordEncoding.produceRequest(record))
                guard digest == entry.digest else {
                    throw InputError("\(file) changed since run \(run): record \(seq) no longer matches what was sent; nothing replayed")
                }
                records.append(record)
            }
            guard bySeq.isEmpty else { throw InputError("\(file) is shorter than when run \(run) read it; nothing replayed") }
        } else {
            throw InputError("run \(run) sent --data and the profile did not keep values (journal_values = true): send it again with ingest send")
        }
        return Plan(first: first, records: records, unknownCount: entries.filter { $0.outcome == "unknown" }.count)
    }
}
