import IngestModel

/// A row of the History view.
public enum HistoryRow: Equatable, Sendable {
    /// A send of this session, live.
    case session(SendRecord)
    /// A send of an earlier session (or another process), from the journal.
    case past(PastRun)
}

extension Update {
    // MARK: history

    /// Runs listed from the journal at most.
    public static let historyLimit = 500

    /// This session's sends newest first, then the journal's other runs newest first.
    public static func historyRows(_ s: ConsoleState) -> [HistoryRow] {
        let own = Set(s.sends.compactMap(\.journalRun))
        return s.sends.reversed().map(HistoryRow.session) + s.pastRuns.filter { !own.contains($0.id) }.map(HistoryRow.past)
    }

    static func selectedHistoryRow(_ s: ConsoleState) -> HistoryRow? {
        let rows = historyRows(s)
        return rows.indices.contains(s.historySelection) ? rows[s.historySelection] : nil
    }

    static func historyLoaded(_ s: inout ConsoleState, _ result: Result<[PastRun], ServiceFailure>) -> [Effect] {
        switch result {
        case .success(let runs):
            // The selected row stays selected when rows come or go above it.
            let selected = selectedHistoryRow(s)
            s.pastRuns = runs
            s.historyError = nil
            if let selected, let at = historyRows(s).firstIndex(where: { $0.sameSend(as: selected) }) { s.historySelection = at }
        case .failure(let f):
            s.historyError = f.message
        }
        s.historySelection = min(s.historySelection, max(0, historyRows(s).count - 1))
        return []
    }

    /// Enter in History: the selected send back in Compose, to edit and send again (a new send).
    static func loadIntoCompose(_ s: inout ConsoleState) -> [Effect] {
        switch selectedHistoryRow(s) {
        case nil:
            setStatus(&s, "no send selected", .muted)
            return []
        case .session(let rec)?:
            return putBack(&s, ComposeDraft(plan: rec.request.plan), what: "send #\(rec.id)", profile: rec.request.profile, note: nil)
        case .past(let run)?:
            setStatus(&s, "reading run \(run.id) from the journal…", .muted)
            return [.loadPastSend(run: run.id)]
        }
    }

    static func pastSendLoaded(_ s: inout ConsoleState, run: String, _ result: Result<LoadedSend, ServiceFailure>) -> [Effect] {
        switch result {
        case .success(let loaded):
            let profile = s.pastRuns.first { $0.id == run }?.profile
            return putBack(&s, loaded.draft, what: "run \(run)", profile: profile, note: loaded.note)
        case .failure(let f):
            setStatus(&s, "run \(run): \(f.message)", .error)
            return []
        }
    }

    /// Fills Compose (and Load's path) from a past send and shows where it went.
    static func putBack(_ s: inout ConsoleState, _ draft: ComposeDraft, what: String, profile: String?, note: String?) -> [Effect] {
        draft.restore(into: &s, topicToo: true)
        s.compose.editing = false
        s.load.editing = false
        s.view = draft.filePath.map { !$0.isEmpty } == true && draft.value == nil ? .load : .compose
        var text = "\(what) loaded into \(s.view == .load ? "Load" : "Compose"): edit it, s sends it as a new send"
        if let profile, profile != s.active?.name { text += " (it went through profile \(profile); \(s.active?.name ?? "no profile") is active)" }
        if let note { text += "; \(note)" }
        setStatus(&s, text, note == nil ? .ok : .warning)
        return resolveTopic(&s) + refreshCompose(&s)
    }
}

extension HistoryRow {
    func sameSend(as other: HistoryRow) -> Bool {
        switch (self, other) {
        case (.session(let a), .session(let b)): a.id == b.id
        case (.past(let a), .past(let b)): a.id == b.id
        default: false
        }
    }
}
