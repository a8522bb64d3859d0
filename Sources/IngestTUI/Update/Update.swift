import IngestModel

/// The console's logic: a pure function of state and message. Effects come back as values and
/// run elsewhere (Runtime); their results return as messages.
public func update(_ state: ConsoleState, _ msg: Msg) -> (ConsoleState, [Effect]) {
    var s = state
    let effects = Update.apply(&s, msg)
    return (s, effects)
}

public enum Update {
    public static let loadPreviewLimit = 5

    /// The state a session starts in and the effects that start it.
    public static func start(initialProfile: String, reportCapacity: Int = 100_000) -> (ConsoleState, [Effect]) {
        var s = ConsoleState(initialProfile: initialProfile, reportCapacity: reportCapacity)
        s.compose.value.setText("{\"playerId\": \"{{uuid}}\", \"seq\": {{seq}}}")
        let effects = [Effect.loadProfiles, .loadHistory] + refreshCompose(&s)
        return (s, effects)
    }

    /// In-place form of `update`, so a 100k-row ring is not copied per message.
    public static func apply(_ s: inout ConsoleState, _ msg: Msg) -> [Effect] {
        switch msg {
        case .key(let key): return handleKey(&s, key)
        case .paste(let text): return s.drainingUntil == nil ? paste(&s, text) : []
        case .terminate: return s.drainingUntil == nil ? quit(&s, force: true) : finishQuit(&s)
        case .resize(let w, let h):
            s.width = w
            s.height = h
            return []
        case .tick(let now):
            s.now = now
            s.reports.tick(now)
            return checkDrained(&s)
        case .profilesLoaded(let list): return profilesLoaded(&s, list)
        case .activated(let name, let result): return activated(&s, name, result)
        case .previewed(let rev, let text):
            if rev == s.compose.revision { s.compose.preview = text }
            s.compose.previewScroll = min(s.compose.previewScroll, max(0, ComposeView.previewLines(s).count - 1))
            return []
        case .sendEvents(let id, let events, let now):
            s.now = max(s.now, now)
            for e in events { apply(&s, sendID: id, e, now: now) }
            if s.reportsUI.follow { s.reportsUI.selected = max(0, visibleReportCount(s) - 1) }
            return []
        case .sendEnded(let id):
            if let i = s.sends.firstIndex(where: { $0.id == id }) {
                if s.sends[i].phase == .running { s.sends[i].phase = .finished }
                s.sends[i].inFlight = 0
                s.sends[i].ended = true
                // The profile was in use until now (`confirm_idle_minutes` count from here).
                if s.sends[i].request.profile == s.active?.name { s.lastSendAt = s.now }
            }
            // The journal has the send's footer now; other processes' runs come along.
            return checkDrained(&s) + (s.quitting ? [] : [.loadHistory])
        case .discovered(let profile, let result):
            guard profile == s.active?.name else { return [] }
            s.discovery.loading = false
            switch result {
            case .success(let d):
                s.discovery.result = d
                s.discovery.error = nil
                s.discovery.probes = Dictionary(uniqueKeysWithValues: d.brokers.map { ($0, ProbeState.probing) })
                return d.brokers.map { .probe($0) }
            case .failure(let f):
                s.discovery.result = nil
                s.discovery.error = f.message
                return []
            }
        case .probed(let broker, let result):
            guard s.discovery.probes[broker] != nil else { return [] }
            switch result {
            case .success(let ms): s.discovery.probes[broker] = .ok(ms)
            case .failure(let e): s.discovery.probes[broker] = .failed(e.description)
            }
            return []
        case .fileLoaded(let path, let result):
            guard path == s.load.path.text else { return [] }
            s.load.loading = false
            switch result {
            case .success(let f):
                s.load.count = f.count
                s.load.first = f.first
                s.load.error = nil
                s.load.loadedPath = path
            case .failure(let f):
                s.load.count = nil
                s.load.first = []
                s.load.error = f.message
                s.load.loadedPath = nil
            }
            return []
        case .completions(let prefix, let list):
            guard prefix == s.load.path.text else { return [] }
            if list.count == 1 {
                s.load.path.setText(list[0])
                s.load.completions = []
            } else {
                s.load.completions = list
                let common = commonPrefix(list)
                if common.count > prefix.count { s.load.path.setText(common) }
                if list.isEmpty { setStatus(&s, "no completion for \(prefix)", .warning) }
            }
            return []
        case .savedSendsLoaded(let list): return savedSendsLoaded(&s, list)
        case .sendSaved(let name, let result): return sendSaved(&s, name: name, result)
        case .copyRendered(let format, let result): return copyRendered(&s, format, result)
        case .historyLoaded(let result):
            return historyLoaded(&s, result)
        case .pastSendLoaded(let run, let result):
            return pastSendLoaded(&s, run: run, result)
        case .draftLoaded(let profile, let draft):
            return draftLoaded(&s, profile, draft)
        case .copied(let what, let place):
            setStatus(&s, "\(what) copied to \(place), and to the terminal's clipboard where it takes OSC 52", .ok)
            return []
        case .themeProblem(let text):
            s.notice = StatusLine(text: text, role: .warning)
            return []
        case .recordsFetched(let sendID, let purpose, let records):
            return recordsFetched(&s, sendID: sendID, purpose: purpose, records)
        case .doctorStep(let run, var step):
            guard run == s.doctor.run, s.doctor.phase == .running else { return [] }
            // The core's "give --topic" speaks to the CLI; here the topic comes from Compose.
            if step.skipReason == .noTopic { step.detail = "no topic: type one in Compose (1)" }
            s.doctor.steps.append(step)
            return []
        case .doctorEnded(let run):
            guard run == s.doctor.run, s.doctor.phase == .running else { return [] }
            s.doctor.phase = .finished
            let d = s.doctor
            if let failed = d.failure {
                setStatus(&s, "doctor: \(failed.name) failed; the checks after it were not run", .error)
            } else {
                let passed = d.steps.filter { $0.status == .pass }.count
                setStatus(&s, "doctor: \(passed) passed, \(d.steps.count - passed) skipped, none failed", .ok)
            }
            return []
        }
    }
}
