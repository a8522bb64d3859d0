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
        let effects = [Effect.loadProfiles] + refreshCompose(&s)
        return (s, effects)
    }

    /// In-place form of `update`, so a 100k-row ring is not copied per message.
    public static func apply(_ s: inout ConsoleState, _ msg: Msg) -> [Effect] {
        switch msg {
        case .key(let key): return handleKey(&s, key)
        case .resize(let w, let h):
            s.width = w
            s.height = h
            return []
        case .tick(let now):
            s.now = now
            s.reports.tick(now)
            return []
        case .profilesLoaded(let list): return profilesLoaded(&s, list)
        case .activated(let name, let result): return activated(&s, name, result)
        case .topicResolved(let topic, let profile, let result):
            guard topic == s.compose.topic.text, profile == s.active?.name else { return [] }
            switch result {
            case .success(let full):
                s.fullTopic = full
                s.topicError = nil
            case .failure(let f):
                s.fullTopic = nil
                s.topicError = f.message
            }
            if s.doctor.waiting, s.view == .doctor, s.activating == nil { return startDoctor(&s) }
            return []
        case .validated(let rev, let result):
            if rev == s.compose.revision {
                s.compose.validation = result
                s.compose.validatedRevision = rev
            }
            return []
        case .previewed(let rev, let text):
            if rev == s.compose.revision { s.compose.preview = text }
            return []
        case .sendEvents(let id, let events, let now):
            s.now = max(s.now, now)
            for e in events { apply(&s, sendID: id, e, now: now) }
            if s.reportsUI.follow { s.reportsUI.selected = max(0, visibleReportCount(s) - 1) }
            return []
        case .sendEnded(let id):
            if let i = s.sends.firstIndex(where: { $0.id == id }), s.sends[i].phase == .running {
                s.sends[i].phase = .finished
                s.sends[i].inFlight = 0
            }
            return []
        case .discovered(let profile, let result):
            guard profile == s.active?.name else { return [] }
            s.discovery.loading = false
            switch result {
            case .success(let d):
                s.discovery.result = d
                s.discovery.error = nil
                s.discovery.probes = Dictionary(uniqueKeysWithValues: d.brokers.map { ($0, ProbeState.probing) })
                return d.brokers.map { .probe(hostPort: $0) }
            case .failure(let f):
                s.discovery.result = nil
                s.discovery.error = f.message
                return []
            }
        case .probed(let host, let result):
            guard s.discovery.probes[host] != nil else { return [] }
            switch result {
            case .success(let ms): s.discovery.probes[host] = .ok(ms)
            case .failure(let e): s.discovery.probes[host] = .failed(e.message)
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
        case .themeProblem(let text):
            s.notice = StatusLine(text: text, role: .warning)
            return []
        case .doctorStep(let run, let step):
            guard run == s.doctor.run, s.doctor.phase == .running else { return [] }
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

    // MARK: keys

    static func handleKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        s.notice = nil
        if key == .ctrl("c") { return quit(&s) }
        if s.isTooSmall {
            return key == .char("q") ? quit(&s) : []
        }
        if s.modal != nil { return handleModalKey(&s, key) }
        if s.view == .compose, s.compose.editing { return handleComposeEditing(&s, key) }
        if s.view == .load, s.load.editing { return handleLoadEditing(&s, key) }
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
            if let i = s.sends.firstIndex(where: { $0.id == run.id }) {
                s.sends[i].phase = .stopped
                s.sends[i].inFlight = 0
            }
            setStatus(&s, "send #\(run.id) stopped", .warning)
            return [.cancelSend(id: run.id)]
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
            let all = EventValueType.allCases
            s.compose.valueType = all[(all.firstIndex(of: s.compose.valueType)! + 1) % all.count]
            return refreshCompose(&s)
        case .cycleMode:
            let all = ModeChoice.allCases
            s.compose.mode = all[(all.firstIndex(of: s.compose.mode)! + 1) % all.count]
        case .send:
            let count = s.compose.mode == .single ? 1 : (parsePositive(s.compose.count.text) ?? 0)
            return beginSend(&s, source: .composed(composedEvent(s.compose), count: count), fromCompose: true)
        case .sendFile:
            guard let path = s.load.loadedPath, path == s.load.path.text, s.load.count != nil else {
                setStatus(&s, "load the file first (l)", .warning)
                return []
            }
            return beginSend(&s, source: .file(path: path), fromCompose: false)
        case .follow:
            s.reportsUI.follow.toggle()
            if s.reportsUI.follow { s.reportsUI.selected = max(0, visibleReportCount(s) - 1) }
        case .problemsOnly:
            s.reportsUI.problemsOnly.toggle()
            s.reportsUI.selected = max(0, visibleReportCount(s) - 1)
            s.reportsUI.follow = true
        case .detail:
            if visibleReportCount(s) > 0 { s.reportsUI.detail = true }
        case .closeDetail: s.reportsUI.detail = false
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
            return d.brokers.map { .probe(hostPort: $0) }
        case .copyBootstrap:
            guard let d = s.discovery.result, !d.brokers.isEmpty else {
                setStatus(&s, "discover first (d)", .warning)
                return []
            }
            let list = d.brokers.joined(separator: ",")
            s.discovery.copied = true
            setStatus(&s, "bootstrap list copied to the clipboard (OSC 52)", .ok)
            return [.copyToClipboard(list)]
        case .loadFile:
            let path = s.load.path.text
            guard !path.isEmpty else {
                setStatus(&s, "type a path first (Enter edits)", .warning)
                return []
            }
            s.load.loading = true
            s.load.error = nil
            return [.loadFile(path: path, limit: loadPreviewLimit)]
        case .resend:
            guard s.sends.indices.contains(s.historySelection) else { return [] }
            let rec = s.sends[s.historySelection]
            let rows = s.reports.problems(ofSend: rec.id)
            guard !rows.isEmpty else {
                setStatus(&s, "send #\(rec.id) has no failed/unknown records held", .muted)
                return []
            }
            s.modal = .confirmResend(sendID: rec.id, rows: rows)
        case .rerunDoctor: return startDoctor(&s)
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

    // MARK: doctor

    /// A new run of the connection doctor on the active profile (and Compose's topic); a run
    /// still going is cancelled first. Waits for a profile being activated.
    static func startDoctor(_ s: inout ConsoleState) -> [Effect] {
        let effects = stopDoctor(&s, quietly: true)
        s.doctor.steps = []
        s.doctor.waiting = false
        guard let p = s.active, s.activating == nil else {
            s.doctor.phase = .idle
            s.doctor.profile = nil
            s.doctor.topic = nil
            if s.activating != nil {
                s.doctor.waiting = true
            } else {
                setStatus(&s, "no active profile: pick one in Profiles (3)", .error)
            }
            return effects
        }
        s.doctor.run += 1
        s.doctor.phase = .running
        s.doctor.profile = p.name
        s.doctor.topic = s.fullTopic
        return effects + [.doctor(run: s.doctor.run, profile: p.name, topic: s.fullTopic)]
    }

    /// Cancels a run still going; its checks so far stay on screen, marked stopped.
    static func stopDoctor(_ s: inout ConsoleState, quietly: Bool = false) -> [Effect] {
        s.doctor.waiting = false
        guard s.doctor.phase == .running else { return [] }
        s.doctor.phase = .stopped
        if !quietly { setStatus(&s, "doctor stopped; it runs again when you come back (7)", .muted) }
        return [.cancelDoctor(run: s.doctor.run)]
    }

    // MARK: sending

    static func beginSend(_ s: inout ConsoleState, source: EventSource, fromCompose: Bool, mode explicitMode: SendMode? = nil) -> [Effect] {
        guard let profile = s.active else {
            setStatus(&s, "no active profile: pick one in Profiles (3)", .error)
            return []
        }
        if let run = s.runningSend {
            setStatus(&s, "send #\(run.id) is running; x stops it", .warning)
            return []
        }
        guard let topic = s.fullTopic else {
            setStatus(&s, "topic: " + (s.topicError ?? "type a topic in Compose (1)"), .error)
            return []
        }
        if fromCompose {
            let c = s.compose
            guard c.validatedRevision == c.revision, let v = c.validation else {
                setStatus(&s, "still validating the value; try again", .warning)
                return []
            }
            if case .invalid(let line, let col, let message) = v {
                setStatus(&s, "value invalid at \(line):\(col): \(message); nothing sent", .error)
                return []
            }
            if !c.partition.text.trimmed.isEmpty, Int(c.partition.text.trimmed) == nil {
                setStatus(&s, "partition must be a whole number or empty", .error)
                return []
            }
        }
        let mode: SendMode
        if let explicitMode {
            mode = explicitMode
        } else {
            switch sendMode(s.compose) {
            case .success(let m): mode = m
            case .failure(let f):
                setStatus(&s, f.message, .error)
                return []
            }
        }
        if case .composed(_, let count) = source, count < 1 {
            setStatus(&s, "count must be a whole number ≥ 1", .error)
            return []
        }
        let request = SendRequest(id: s.nextSendID, profile: profile.name, topic: topic, source: source, mode: mode)
        if s.isProduction, s.productionConfirmedTopic != topic {
            s.modal = .confirmProduction(input: TextBuffer(""), pending: request, error: nil)
            return []
        }
        return startSend(&s, request)
    }

    static func startSend(_ s: inout ConsoleState, _ request: SendRequest) -> [Effect] {
        s.nextSendID = max(s.nextSendID, request.id + 1)
        s.sends.append(SendRecord(id: request.id, request: request, description: describe(request)))
        s.historySelection = s.sends.count - 1
        s.view = .reports
        s.reportsUI.follow = true
        s.reportsUI.detail = false
        setStatus(&s, "send #\(request.id) started: \(describe(request))", .ok)
        return [.send(request)]
    }

    static func describe(_ r: SendRequest) -> String {
        let what: String
        switch r.source {
        case .composed(_, let n): what = n == 1 ? "1 composed record" : "\(n) composed records"
        case .file(let path): what = "file \(path)"
        case .resend(let rows): what = "re-send of \(rows.count) records"
        }
        let how: String
        switch r.mode {
        case .single: how = "single"
        case .batch: how = "batch"
        case .stream(_, let rate, let window):
            how = "stream" + (rate.map { " \(formatNumber($0))/s" } ?? "") + " window \(window)"
        case .native: how = "native"
        }
        return "\(what), \(how) → \(r.topic)"
    }

    static func sendMode(_ c: ComposeState) -> Result<SendMode, ServiceFailure> {
        switch c.mode {
        case .single: return .success(.single)
        case .batch: return .success(.batch)
        case .native: return .success(.native)
        case .stream:
            guard let count = parsePositive(c.count.text) else { return .failure(ServiceFailure("count must be a whole number ≥ 1")) }
            guard let window = parsePositive(c.window.text) else { return .failure(ServiceFailure("window must be a whole number ≥ 1")) }
            let r = c.rate.text.trimmed
            var rate: Double? = nil
            if !r.isEmpty {
                guard let v = Double(r), v > 0, v.isFinite else { return .failure(ServiceFailure("rate must be a number > 0 per second, or empty for as fast as the window allows")) }
                rate = v
            }
            return .success(.stream(count: count, ratePerSecond: rate, window: window))
        }
    }

    static func apply(_ s: inout ConsoleState, sendID: Int, _ event: SendEvent, now: Double) {
        let i = s.sends.firstIndex(where: { $0.id == sendID })
        switch event {
        case .report(let row):
            s.reports.append(StoredReport(sendID: sendID, row: row), at: now)
            if let i {
                switch row.outcome {
                case .delivered: s.sends[i].delivered += 1
                case .failed: s.sends[i].failed += 1
                case .unknown: s.sends[i].unknown += 1
                }
            }
        case .progress(let n):
            if let i { s.sends[i].inFlight = n }
        case .finished(let d, let f, let u):
            if let i {
                if s.sends[i].phase == .running { s.sends[i].phase = .finished }
                s.sends[i].inFlight = 0
            }
            setStatus(&s, "send #\(sendID) finished: \(d) delivered, \(f) failed, \(u) unknown", f + u == 0 ? .ok : .warning)
        case .error(let message):
            if let i {
                s.sends[i].phase = .failed(message)
                s.sends[i].inFlight = 0
            }
            setStatus(&s, "send #\(sendID) failed: \(message)", .error)
        }
    }

    // MARK: modals

    static func handleModalKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        guard let modal = s.modal else { return [] }
        switch modal {
        case .confirmProduction(var input, let pending, _):
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "production send cancelled: nothing sent", .warning)
            case .enter:
                if input.text == pending.topic {
                    s.modal = nil
                    s.productionConfirmedTopic = pending.topic
                    return startSend(&s, pending)
                }
                s.modal = .confirmProduction(input: TextBuffer(""), pending: pending, error: "\"\(input.text)\" is not the topic; nothing sent")
            default:
                if edit(&input, key) { s.modal = .confirmProduction(input: input, pending: pending, error: nil) }
            }
        case .secret(let profile, let asking, var answered, var input):
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "no secret given: \(profile) not activated", .warning)
            case .enter:
                guard !input.text.isEmpty else {
                    setStatus(&s, "nothing typed: type the \(asking[0].title), or Esc to cancel", .warning)
                    return []
                }
                answered[asking[0]] = input.text
                let rest = Array(asking.dropFirst())
                guard rest.isEmpty else {
                    s.modal = .secret(profile: profile, asking: rest, answered: answered, input: TextBuffer(""))
                    return []
                }
                s.modal = nil
                s.activating = profile
                return [.activate(profile: profile, prompted: answered)]
            default:
                if edit(&input, key) { s.modal = .secret(profile: profile, asking: asking, answered: answered, input: input) }
            }
        case .confirmResend(let id, let rows):
            switch key {
            case .char("y"), .char("Y"):
                s.modal = nil
                guard let rec = s.sends.first(where: { $0.id == id }) else { return [] }
                // A re-send goes where the send went, never to whatever is active now.
                guard rec.request.profile == s.active?.name, rec.request.topic == s.fullTopic else {
                    setStatus(&s, "send #\(id) went to \(rec.request.topic) with profile \(rec.request.profile): make both active to re-send; nothing sent", .error)
                    return []
                }
                return beginSend(&s, source: .resend(rows), fromCompose: false, mode: rec.request.mode)
            case .char("n"), .char("N"), .escape:
                s.modal = nil
                setStatus(&s, "re-send cancelled: nothing sent", .muted)
            default: break
            }
        }
        return []
    }

    /// Line editing shared by fields and prompts. Returns whether the key was an edit.
    static func edit(_ b: inout TextBuffer, _ key: Key) -> Bool {
        switch key {
        case .char(let c): b.insert(c)
        case .enter where b.multiline: b.insert("\n")
        case .backspace: b.backspace()
        case .delete: b.deleteForward()
        case .left: b.left()
        case .right: b.right()
        case .up: b.up()
        case .down: b.down()
        case .home, .ctrl("a"): b.home()
        case .end, .ctrl("e"): b.end()
        default: return false
        }
        return true
    }

    // MARK: editing

    static func handleComposeEditing(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        let field = s.compose.field
        guard var buffer = s.compose[text: field] else {
            s.compose.editing = false
            return []
        }
        switch key {
        case .escape:
            s.compose.editing = false
            return []
        case .enter where !buffer.multiline:
            s.compose.editing = false
            return []
        case .tab:
            s.compose.editing = false
            s.compose.field = ComposeField(rawValue: min(field.rawValue + 1, ComposeField.allCases.count - 1))!
            return []
        default:
            let before = buffer.text
            guard edit(&buffer, key) else { return [] }
            s.compose[text: field] = buffer
            guard buffer.text != before else { return [] }
            switch field {
            case .topic: return resolveTopic(&s)
            case .value, .key, .headers, .partition: return refreshCompose(&s)
            default: return []
            }
        }
    }

    static func handleLoadEditing(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        switch key {
        case .escape, .enter:
            s.load.editing = false
            s.load.completions = []
        case .tab:
            return [.completePath(s.load.path.text)]
        default:
            if edit(&s.load.path, key) { s.load.completions = [] }
        }
        return []
    }

    static func refreshCompose(_ s: inout ConsoleState) -> [Effect] {
        s.compose.revision += 1
        let e = composedEvent(s.compose)
        return [.validate(revision: s.compose.revision, e), .preview(revision: s.compose.revision, e)]
    }

    static func resolveTopic(_ s: inout ConsoleState) -> [Effect] {
        s.fullTopic = nil
        s.topicError = nil
        let t = s.compose.topic.text
        guard let p = s.active, !t.isEmpty else { return [] }
        return [.resolveTopic(topic: t, profile: p.name)]
    }

    public static func composedEvent(_ c: ComposeState) -> ComposedEvent {
        let key = c.key.text
        let headers: [Header] = c.headers.text.split(separator: ";").compactMap { part in
            let p = part.trimmingSpaces
            guard !p.isEmpty else { return nil }
            if let eq = p.firstIndex(of: "=") {
                return Header(name: String(p[..<eq]).trimmed, value: String(p[p.index(after: eq)...]).trimmed)
            }
            return Header(name: p, value: "")
        }
        return ComposedEvent(
            valueType: c.valueType, value: c.value.text, key: key.isEmpty ? nil : key,
            headers: headers, partition: Int(c.partition.text.trimmed))
    }

    // MARK: profiles

    static func profilesLoaded(_ s: inout ConsoleState, _ list: [ProfileSummary]) -> [Effect] {
        s.profiles = list
        s.profilesLoaded = true
        guard s.active == nil, s.activating == nil else { return [] }
        guard let i = list.firstIndex(where: { $0.name == s.requestedProfile }) else {
            s.view = .profiles
            setStatus(&s, "profile \"\(s.requestedProfile)\" not found: pick one", .error)
            return []
        }
        s.profileSelection = i
        return activate(&s, list[i])
    }

    static func activate(_ s: inout ConsoleState, _ p: ProfileSummary) -> [Effect] {
        let asking = (p.needsPromptedSecret ? [PromptedSecret.apiKey] : []) + (p.needsPromptedKafkaPassword ? [.kafkaPassword] : [])
        if !asking.isEmpty {
            s.modal = .secret(profile: p.name, asking: asking, answered: PromptedSecrets(), input: TextBuffer(""))
            return []
        }
        s.activating = p.name
        return [.activate(profile: p.name, prompted: PromptedSecrets())]
    }

    static func activated(_ s: inout ConsoleState, _ name: String, _ result: Result<ProfileSummary, ServiceFailure>) -> [Effect] {
        if s.activating == name { s.activating = nil }
        switch result {
        case .success(let p):
            let changed = s.active?.name != p.name
            s.active = p
            var effects: [Effect] = []
            if changed {
                s.productionConfirmedTopic = nil
                s.discovery = DiscoveryState()
                let waiting = s.doctor.waiting
                effects += stopDoctor(&s, quietly: true)
                s.doctor = DoctorState(run: s.doctor.run, waiting: waiting || s.view == .doctor)
            }
            if let i = s.profiles.firstIndex(where: { $0.name == p.name }) { s.profileSelection = i }
            // The sandbox starts with a topic, so a first send is one key away.
            if s.compose.topic.text.isEmpty, let suggested = p.suggestedTopic {
                s.compose.topic = TextBuffer(suggested)
            }
            if p.environment == .production {
                setStatus(&s, "PRODUCTION profile \(p.name) active: the first send asks you to type the topic", .warning)
            } else {
                setStatus(&s, "profile \(p.name) active", .ok)
            }
            let resolving = resolveTopic(&s)
            // A Doctor view waiting for this profile runs once the topic is resolved (or at once without one).
            if s.doctor.waiting, s.view == .doctor, resolving.isEmpty { effects += startDoctor(&s) }
            return effects + resolving
        case .failure(let f):
            if s.activating == nil { s.doctor.waiting = false }
            setStatus(&s, "profile \(name): \(f.message)", .error)
            return []
        }
    }

    // MARK: lists

    public static func visibleReportCount(_ s: ConsoleState) -> Int {
        s.reportsUI.problemsOnly ? s.reports.problemIndices().count : s.reports.held
    }

    static func listPage(_ s: ConsoleState) -> Int { max(1, s.height - 8) }

    static func move(_ s: inout ConsoleState, _ action: ActionID) {
        func step(_ current: Int, _ count: Int) -> Int {
            guard count > 0 else { return 0 }
            let page = listPage(s)
            let next: Int
            switch action {
            case .moveUp: next = current - 1
            case .moveDown: next = current + 1
            case .pageUp: next = current - page
            case .pageDown: next = current + page
            case .top: next = 0
            default: next = count - 1
            }
            return min(max(0, next), count - 1)
        }
        switch s.view {
        case .compose:
            let n = ComposeField.allCases.count
            if action == .moveUp { s.compose.field = ComposeField(rawValue: max(0, s.compose.field.rawValue - 1))! }
            if action == .moveDown { s.compose.field = ComposeField(rawValue: min(n - 1, s.compose.field.rawValue + 1))! }
        case .reports:
            let count = visibleReportCount(s)
            s.reportsUI.selected = step(min(s.reportsUI.selected, max(0, count - 1)), count)
            s.reportsUI.follow = (action == .bottom) || (s.reportsUI.follow && s.reportsUI.selected == count - 1 && action != .moveUp && action != .pageUp && action != .top)
        case .profiles: s.profileSelection = step(s.profileSelection, s.profiles.count)
        case .history: s.historySelection = step(s.historySelection, s.sends.count)
        default: break
        }
    }

    static func quit(_ s: inout ConsoleState) -> [Effect] {
        s.quitting = true
        var effects: [Effect] = stopDoctor(&s, quietly: true)
        if let run = s.runningSend {
            if let i = s.sends.firstIndex(where: { $0.id == run.id }) { s.sends[i].phase = .stopped }
            effects.append(.cancelSend(id: run.id))
        }
        return effects + [.quit]
    }

    static func setStatus(_ s: inout ConsoleState, _ text: String, _ role: Role) {
        s.status = StatusLine(text: text, role: role)
    }

    static func parsePositive(_ text: String) -> Int? {
        guard let n = Int(text.trimmed), n >= 1 else { return nil }
        return n
    }

    static func commonPrefix(_ list: [String]) -> String {
        guard var p = list.first else { return "" }
        for s in list.dropFirst() {
            while !s.hasPrefix(p) { p.removeLast() }
        }
        return p
    }
}

func formatNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
}

extension StringProtocol {
    var trimmed: String { String(self).trimmingSpaces }
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
