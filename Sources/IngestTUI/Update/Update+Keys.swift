import IngestModel

extension Update {
    // MARK: keys

    static func handleKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        s.notice = nil
        // Quitting: the stopped send's records in flight are getting their outcomes; nothing
        // else happens now, and q or Ctrl-C again quits at once.
        if s.drainingUntil != nil {
            return key == .ctrl("c") || key == .char("q") ? finishQuit(&s) : []
        }
        if key == .ctrl("c") {
            // Ctrl-C on the quit question: the operator insists.
            if case .confirmQuit? = s.modal { return quit(&s, force: true) }
            return quit(&s)
        }
        let editing = (s.view == .compose && s.compose.editing) || (s.view == .load && s.load.editing)
        if s.isTooSmall {
            // Nothing is answered blind: a question on no screen only takes Esc.
            if s.modal != nil { return key == .escape ? handleModalKey(&s, key) : [] }
            return key == .char("q") && !editing ? quit(&s) : []
        }
        if s.modal != nil { return handleModalKey(&s, key) }
        if s.view == .compose, s.compose.editing { return handleComposeEditing(&s, key) }
        if s.view == .load, s.load.editing { return handleLoadEditing(&s, key) }
        if s.showMessages {
            s.showMessages = false
            return []
        }
        if s.showHelp {
            if key == .char("q") { return quit(&s) }
            s.showHelp = false
            return []
        }
        guard let action = ActionTable.action(for: key, in: s.view) else { return [] }
        return perform(&s, action)
    }

    static func perform(_ s: inout ConsoleState, _ action: ActionID) -> [Effect] {
        switch action {
        case .quit: return quit(&s)
        case .help: s.showHelp = true
        case .messages: s.showMessages = true
        case .showCompose: return show(&s, .compose)
        case .showReports: return show(&s, .reports)
        case .showProfiles: return show(&s, .profiles)
        case .showDiscovery: return show(&s, .discovery)
        case .showLoad: return show(&s, .load)
        case .showHistory: return show(&s, .history)
        case .showDoctor: return show(&s, .doctor)
        case .nextView: return show(&s, ViewID(rawValue: s.view.rawValue % ViewID.allCases.count + 1)!)
        case .previousView:
            return show(&s, ViewID(rawValue: (s.view.rawValue + ViewID.allCases.count - 2) % ViewID.allCases.count + 1)!)
        case .stopSend:
            guard let run = s.runningSend else {
                setStatus(&s, "nothing is sending", .muted)
                return []
            }
            return stopSend(&s, run.id)
        case .moveUp, .moveDown, .pageUp, .pageDown, .top, .bottom: move(&s, action)
        case .edit:
            if s.view == .load {
                s.load.editing = true
                return []
            }
            let f = s.compose.field
            if f == .type { return perform(&s, .toggleType) }
            if f == .mode { return perform(&s, .cycleMode) }
            s.compose.editing = true
        case .toggleType:
            let all = ValueType.allCases
            s.compose.valueType = all[(all.firstIndex(of: s.compose.valueType)! + 1) % all.count]
            return refreshCompose(&s)
        case .cycleMode:
            s.compose.mode = cycle(Transport.allCases, s.compose.mode, by: 1)
        case .send:
            // Every mode honours Count, as `ingest send --count` does (single: one request each).
            let count = parsePositive(s.compose.count.text) ?? 0
            return beginSend(&s, source: .template(composedEvent(s.compose), count: count), fromCompose: true)
        case .sendFile:
            // No need to count it first (l): the file is read as it is sent.
            let path = s.load.path.text
            guard !path.isEmpty else {
                setStatus(&s, "type a path first (Enter edits)", .warning)
                return []
            }
            return beginSend(&s, source: .file(path: path, format: .auto, valueType: .json), fromCompose: false)
        case .follow:
            s.reportsUI.follow.toggle()
            if s.reportsUI.follow { s.reportsUI.selected = max(0, visibleReportCount(s) - 1) }
        case .problemsOnly:
            s.reportsUI.problemsOnly.toggle()
            s.reportsUI.selected = max(0, visibleReportCount(s) - 1)
            s.reportsUI.follow = true
        case .detail:
            return openDetail(&s)
        case .copyRecord:
            guard s.reportsUI.detail, let detail = s.reportsUI.detailRecord, let record = detail.record else {
                setStatus(&s, "open a record first (Enter), then y copies its value", .muted)
                return []
            }
            return [.copy(text: RecordText.copyText(record.value), what: "record \(detail.seq) of send #\(detail.sendID)")]
        case .closeDetail:
            s.reportsUI.detail = false
            s.reportsUI.detailRecord = nil
        case .activateProfile:
            guard s.profiles.indices.contains(s.profileSelection) else { return [] }
            return activate(&s, s.profiles[s.profileSelection])
        case .discover:
            guard let p = s.active else {
                setStatus(&s, "no active profile: pick one in Profiles (3)", .error)
                return []
            }
            s.discovery = DiscoveryState()
            s.discovery.loading = true
            return [.discover(profile: p.name)]
        case .probe:
            guard let d = s.discovery.result else {
                setStatus(&s, "discover first (d)", .warning)
                return []
            }
            s.discovery.probes = Dictionary(uniqueKeysWithValues: d.brokers.map { ($0, ProbeState.probing) })
            return d.brokers.map { .probe($0) }
        case .copyBootstrap:
            guard let d = s.discovery.result, !d.brokers.isEmpty else {
                setStatus(&s, "discover first (d)", .warning)
                return []
            }
            let list = d.bootstrapList
            s.discovery.copied = true
            return [.copy(text: list, what: "the bootstrap list")]
        case .loadFile:
            let path = s.load.path.text
            guard !path.isEmpty else {
                setStatus(&s, "type a path first (Enter edits)", .warning)
                return []
            }
            s.load.loading = true
            s.load.error = nil
            return [.loadFile(path: path, limit: loadPreviewLimit)]
        case .loadIntoCompose:
            return loadIntoCompose(&s)
        case .resend:
            guard let row = selectedHistoryRow(s) else { return [] }
            guard case .session(let rec) = row else {
                if case .past(let run) = row {
                    setStatus(&s, "run \(run.id) is from an earlier session: Enter loads it into Compose; `ingest replay --run \(run.id) --failed` re-sends its records", .muted)
                }
                return []
            }
            let seqs = s.reports.problems(ofSend: rec.id).map(\.seq)
            guard !seqs.isEmpty else {
                setStatus(&s, "send #\(rec.id) has no failed/unknown records held", .muted)
                return []
            }
            s.modal = .confirmResend(sendID: rec.id, seqs: seqs)
        case .rerunDoctor: return startDoctor(&s)
        case .openSaved: return openSaved(&s)
        case .saveSend: return askSaveName(&s)
        case .copyAs: return askCopyFormat(&s)
        case .importCurl: return askCurl(&s)
        }
        return []
    }

    /// Switches view. Entering Doctor runs the checks (unless its last run finished for this
    /// profile and topic); leaving it stops a run still going.
    static func show(_ s: inout ConsoleState, _ view: ViewID) -> [Effect] {
        guard view != s.view else { return [] }
        var effects: [Effect] = []
        if s.view == .doctor { effects += stopDoctor(&s) }
        s.view = view
        if view == .doctor {
            let d = s.doctor
            let current = d.phase == .finished && d.profile == s.active?.name && d.topic == s.fullTopic
            if !current { effects += startDoctor(&s) }
        }
        return effects
    }
}
