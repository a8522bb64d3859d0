import IngestModel

extension Update {
    // MARK: sending

    /// A send of `source` to Compose's topic with Compose's mode (or `transport`, for re-sends):
    /// checked against the profile's limits, asked its reason, confirmed, then started.
    static func beginSend(_ s: inout ConsoleState, source: PlanSource, fromCompose: Bool,
                          transport: Transport? = nil, options: SendOptions? = nil) -> [Effect] {
        if let run = s.runningSend {
            setStatus(&s, "send #\(run.id) is running; x stops it", .warning)
            return []
        }
        guard let request = buildRequest(&s, source: source, fromCompose: fromCompose, transport: transport, options: options) else { return [] }
        return guardSend(&s, request)
    }

    /// The send `s` would make (also what `c` copies), or nil with the reason on the status line.
    static func buildRequest(_ s: inout ConsoleState, source: PlanSource, fromCompose: Bool,
                             transport explicitTransport: Transport? = nil, options explicitOptions: SendOptions? = nil) -> SendRequest? {
        guard let profile = s.active else {
            setStatus(&s, "no active profile: pick one in Profiles (3)", .error)
            return nil
        }
        guard let topic = s.fullTopic else {
            setStatus(&s, "topic: " + (s.topicError ?? "type a topic in Compose (1)"), .error)
            return nil
        }
        if fromCompose {
            let c = s.compose
            if case .invalid(let line, let col, let message) = c.validation {
                setStatus(&s, "value invalid at \(line):\(col): \(message); nothing sent", .error)
                return nil
            }
            if !c.partition.text.trimmed.isEmpty, Int(c.partition.text.trimmed) == nil {
                setStatus(&s, "partition must be a whole number or empty", .error)
                return nil
            }
        }
        let options: SendOptions
        if let explicitOptions {
            options = explicitOptions
        } else {
            switch sendOptions(s.compose) {
            case .success(let o): options = o
            case .failure(let f):
                setStatus(&s, f.message, .error)
                return nil
            }
        }
        if case .template(_, let count) = source, count < 1 {
            setStatus(&s, "count must be a whole number ≥ 1", .error)
            return nil
        }
        let plan = SendPlan(topic: topic, source: source, transport: explicitTransport ?? s.compose.mode, options: options)
        var request = SendRequest(id: s.nextSendID, profile: profile.name, plan: plan)
        request.records = source.knownCount ?? {
            if case .file(let path, _, _) = source, s.load.loadedPath == path { return s.load.count }
            return nil
        }()
        return request
    }

    static let keptHistograms = 16

    static func startSend(_ s: inout ConsoleState, _ request: SendRequest) -> [Effect] {
        s.nextSendID = max(s.nextSendID, request.id + 1)
        var record = SendRecord(id: request.id, request: request, description: request.plan.summary)
        record.total = request.records
        s.sends.append(record)
        // Histograms for the latest sends only: memory stays bounded however many sends.
        if s.sends.count > keptHistograms { s.sends[s.sends.count - keptHistograms - 1].releaseHistogram() }
        s.historySelection = 0  // the newest, first in History
        s.lastSendAt = s.now
        s.view = .reports
        s.reportsUI.follow = true
        s.reportsUI.detail = false
        setStatus(&s, "send #\(request.id) started: \(request.plan.summary)", .ok)
        // What was sent is the draft the next launch starts from.
        return [.send(request), .saveDraft(profile: request.profile, ComposeDraft(s))]
    }

    /// Compose's rate (every mode, as `--rate`) and window (a stream's).
    static func sendOptions(_ c: ComposeState) -> Result<SendOptions, ServiceFailure> {
        guard parsePositive(c.count.text) != nil else { return .failure(ServiceFailure("count must be a whole number ≥ 1")) }
        var window: Int? = nil
        if c.mode == .rest(.stream), !c.window.text.trimmed.isEmpty {
            guard let w = parsePositive(c.window.text) else { return .failure(ServiceFailure("window must be a whole number ≥ 1, or empty to adapt to the path")) }
            window = w
        }
        let r = c.rate.text.trimmed
        var rate: Double? = nil
        if !r.isEmpty {
            guard let v = Double(r), v > 0, v.isFinite else { return .failure(ServiceFailure("rate must be a number > 0 per second, or empty for as fast as possible")) }
            rate = v
        }
        return .success(SendOptions(ratePerSecond: rate, window: window))
    }

    static func apply(_ s: inout ConsoleState, sendID: Int, _ event: SendEvent, now: Double) {
        let i = s.sends.firstIndex(where: { $0.id == sendID })
        switch event {
        case .reports(let reports, let sent):
            for report in reports {
                s.reports.append(StoredReport(sendID: sendID, report: report), at: now)
                guard let i else { continue }
                if let l = report.latencyMilliseconds { s.sends[i].latency?.record(l) }
                switch report.outcome {
                case .delivered: s.sends[i].delivered += 1
                case .failed: s.sends[i].failed += 1
                case .unknown: s.sends[i].unknown += 1
                }
            }
            // A stopped send still has records in flight until their outcomes arrive.
            if let i, s.sends[i].phase == .running || s.sends[i].phase == .stopped {
                s.sends[i].inFlight = max(0, sent - s.sends[i].answered)
            }
        case .throttled(let summary):
            // On the status line, whatever the view: the operator sees why the send slowed down.
            if let i, s.sends[i].phase == .running {
                s.sends[i].throttle = summary
                setStatus(&s, "send #\(sendID): \(summary.description) (the server asks to slow down; refused records go again)", .warning)
            }
        case .finished(let d, let f, let u, let reason):
            // Throttling is part of how the send went: said with its counts.
            let throttled = i.flatMap { s.sends[$0].throttle.times > 0 ? "; " + s.sends[$0].throttle.description : nil } ?? ""
            let counts = "\(d) delivered, \(f) failed, \(u) unknown\(throttled)"
            guard let i else {
                setStatus(&s, "send #\(sendID) ended: \(counts)", f + u == 0 ? .ok : .warning)
                return
            }
            s.sends[i].inFlight = 0
            if s.sends[i].phase == .stopped {
                let left = s.sends[i].total.map { t in "; \(max(0, t - d - f - u)) of \(t) not sent" } ?? "; the rest was not sent"
                setStatus(&s, "send #\(sendID) stopped by you: \(counts)\(left)", .warning)
                return
            }
            s.sends[i].phase = reason.map { .failed($0) } ?? .finished
            if let reason {
                setStatus(&s, "send #\(sendID) failed: \(reason) (\(counts))", .error)
            } else {
                setStatus(&s, "send #\(sendID) finished: \(counts)", f + u == 0 ? .ok : .warning)
            }
        case .journaled(let run):
            if let i { s.sends[i].journalRun = run }
        case .refused(let message):
            if let i {
                s.sends[i].phase = .failed(message)
                s.sends[i].inFlight = 0
            }
            setStatus(&s, "send #\(sendID) failed: \(message)", .error)
        }
    }

    /// Records came back from the services: shown in the detail view, or re-sent.
    static func recordsFetched(_ s: inout ConsoleState, sendID: Int, purpose: FetchPurpose, _ records: [Int: EventRecord]) -> [Effect] {
        switch purpose {
        case .detail:
            guard var detail = s.reportsUI.detailRecord, detail.sendID == sendID else { return [] }
            detail.record = records[detail.seq]
            detail.fetched = true
            s.reportsUI.detailRecord = detail
            return []
        case .resend:
            guard let rec = s.sends.first(where: { $0.id == sendID }) else { return [] }
            guard !records.isEmpty else {
                setStatus(&s, "the records of send #\(sendID) are no longer held; nothing sent", .warning)
                return []
            }
            let list = records.sorted { $0.key < $1.key }.map(\.value)
            return beginSend(&s, source: .records(list, origin: "resend:#\(sendID)"), fromCompose: false,
                             transport: rec.request.plan.transport, options: rec.request.plan.options)
        }
    }

    /// Opens the record detail of the selected report and asks for its record.
    static func openDetail(_ s: inout ConsoleState) -> [Effect] {
        let indices = s.reportsUI.problemsOnly ? s.reports.problemIndices() : nil
        let count = indices?.count ?? s.reports.held
        guard count > 0 else { return [] }
        let selected = min(s.reportsUI.selected, count - 1)
        guard let stored = s.reports[absolute: indices?[selected] ?? (s.reports.firstHeld + selected)] else { return [] }
        s.reportsUI.detail = true
        // The detail stays on this record while reports keep coming.
        s.reportsUI.follow = false
        s.reportsUI.detailScroll = 0
        s.reportsUI.detailRecord = DetailRecord(sendID: stored.sendID, seq: stored.report.seq, record: nil, fetched: false)
        return [.fetchRecords(sendID: stored.sendID, seqs: [stored.report.seq], purpose: .detail)]
    }
}
