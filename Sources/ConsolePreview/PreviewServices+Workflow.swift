import IngestModel
import IngestTUI

/// Saved sends kept in memory, and copies described rather than written (the preview has no
/// core: `ingest send --print` is what writes the real commands).
extension PreviewServices {
    public static let savedDirectory = "~/.config/ingest/sends"

    static let savedExamples: [String: SavedSend] = [
        "players-1k": SavedSend(topic: "players", key: "p-{{seq}}", mode: .rest(.stream), count: 1000, ratePerSecond: 200,
                                data: "{\"playerId\": \"{{uuid}}\", \"level\": {{rand_int 1 9}}}"),
        "bet-placed": SavedSend(topic: "ing-staging-bets", headers: [HeaderTemplate(name: "trace", value: "ops-check")],
                                data: "{\"betId\": \"{{uuid}}\", \"stake\": 5}"),
        "replay-file": SavedSend(topic: "events", mode: .rest(.batch), file: "/data/events.jsonl"),
    ]

    /// A file that does not parse, as `ingest sends` lists it.
    static let brokenSaved = SavedSendItem(name: "typo", file: savedDirectory + "/typo.toml",
                                           result: .failure(ServiceFailure(savedDirectory + "/typo.toml: mode: expected single, batch, stream or native; found \"strem\"")))

    public func savedSends() async -> SavedSendList {
        let items = saved.withLock { $0 }.sorted { $0.key < $1.key }.map { name, send in
            SavedSendItem(name: name, file: "\(Self.savedDirectory)/\(name).toml", result: .success(send))
        }
        return SavedSendList(directory: Self.savedDirectory, items: (items + [Self.brokenSaved]).sorted { $0.name < $1.name })
    }

    public func saveSend(_ send: SavedSend, name: String, replace: Bool) async throws -> SaveOutcome {
        let path = "\(Self.savedDirectory)/\(name).toml"
        return saved.withLock { all in
            if !replace, all[name] != nil { return .exists(path: path) }
            all[name] = send
            return .saved(path: path)
        }
    }

    public func copyAs(_ format: CopyFormat, profile: String, plan: SendPlan) async throws -> String {
        let records = try records(plan.source).count
        return "# preview: ingest send --print \(format.rawValue) writes \(records) records to \(plan.topic) through \(profile)\n"
    }
}
