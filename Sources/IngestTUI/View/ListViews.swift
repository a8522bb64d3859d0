import IngestModel

enum ProfilesView {
    /// The selected profile's details, its problem wrapped in full.
    static func detailLines(_ s: ConsoleState, width: Int) -> [(String, Role)] {
        guard s.profiles.indices.contains(s.profileSelection) else { return [] }
        let p = s.profiles[s.profileSelection]
        var details: [(String, Role)] = [("base URL  " + p.baseURL, .text), ("source    " + p.source, .muted),
                                         ("secret    " + (p.needsPromptedSecret ? "asked when used, kept in memory only" : "from the profile (\(p.maskedAPIKey))"), .muted)]
        if !p.limits.isEmpty {
            details += wrap(limitsText(p.limits), width: width - 14).enumerated().map { (($0.offset == 0 ? "limits    " : "          ") + $0.element, Role.warning) }
        }
        if let problem = p.problem {
            details += wrap(problem, width: width - 14).enumerated().map { (($0.offset == 0 ? "problem   " : "          ") + $0.element, Role.error) }
        }
        return details
    }

    /// The profile's `[limits]` in words.
    static func limitsText(_ l: SendLimits) -> String {
        var parts: [String] = []
        if let most = l.maxRecordsPerSend { parts.append("at most \(most) records a send") }
        if !l.allowedTopics.isEmpty { parts.append("only to " + l.allowedTopics.joined(separator: ", ")) }
        if l.requireReason { parts.append("a reason for every send (journaled)") }
        if let minutes = l.confirmIdleMinutes { parts.append("confirm again after \(minutes) idle minutes") }
        return parts.joined(separator: "; ")
    }

    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        guard s.profilesLoaded else {
            g.put("loading profiles…", x: r.x + 2, y: r.y + 1, role: .muted)
            return
        }
        guard !s.profiles.isEmpty else {
            g.put("no profiles found", x: r.x + 2, y: r.y + 1, role: .warning)
            return
        }
        let nameW = 16, envW = 11, prefixW = 18
        let keyW = max(10, min(16, r.width - nameW - envW - prefixW - 30))
        g.put("  " + "PROFILE".padded(toWidth: nameW) + " " + "ENV".padded(toWidth: envW) + " " + "TOPIC PREFIX".padded(toWidth: prefixW) + " " + "API KEY".padded(toWidth: keyW) + " STATUS", x: r.x, y: r.y, role: .title)
        let details = detailLines(s, width: r.width)
        let listRows = max(1, r.height - 3 - min(details.count, max(3, r.height - 4)))
        let first = max(0, min(s.profileSelection - listRows / 2, s.profiles.count - listRows))
        for (i, p) in s.profiles.enumerated().dropFirst(first).prefix(listRows) {
            let y = r.y + 1 + i - first
            let active = s.active?.name == p.name
            var x = r.x
            x += g.put(active ? "● " : "  ", x: x, y: y, role: .ok)
            x += g.put(p.name.padded(toWidth: nameW) + " ", x: x, y: y)
            x += g.put(p.environment.rawValue.uppercased().padded(toWidth: envW) + " ", x: x, y: y, role: p.environment == .production ? .error : .text)
            x += g.put(p.topicPrefix.padded(toWidth: prefixW) + " ", x: x, y: y, role: .muted)
            x += g.put(p.maskedAPIKey.padded(toWidth: keyW) + " ", x: x, y: y, role: .muted)
            let status: (String, Role)
            if let problem = p.problem {
                status = ("✖ " + problem, .error)
            } else if active {
                status = ("active", .ok)
            } else if s.activating == p.name {
                status = ("activating…", .muted)
            } else if p.needsPromptedSecret {
                status = ("asks secret", .muted)
            } else {
                status = ("", .text)
            }
            g.put(status.0, x: x, y: y, role: status.1, maxWidth: r.right - x)
            if i == s.profileSelection { g.paint(x: r.x, y: y, width: r.width, role: .selection) }
        }
        // Details of the selected profile, its problem in full, under a rule.
        let shown = details.prefix(max(3, r.height - 4))
        let dy = r.bottom - 1 - shown.count
        g.put(String(repeating: "─", count: r.width), x: r.x, y: dy, role: .border)
        for (i, line) in shown.enumerated() {
            g.put(line.0, x: r.x + 2, y: dy + 1 + i, role: line.1, maxWidth: r.width - 4)
        }
    }
}

enum DiscoveryView {
    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let d = s.discovery
        let who = s.active.map { "profile \($0.name), \($0.baseURL)" } ?? "no active profile"
        g.put("Discovery  " + who, x: r.x + 1, y: r.y, role: .title, maxWidth: r.width - 2)
        if d.loading {
            g.put("asking the proxy for the cluster and its brokers…", x: r.x + 2, y: r.y + 2, role: .muted)
            return
        }
        if let e = d.error {
            let lines = wrap("✖ " + e, width: r.width - 4).prefix(max(1, r.height - 5))
            for (i, l) in lines.enumerated() { g.put(l, x: r.x + 2, y: r.y + 2 + i, role: .error) }
            g.put("d tries again", x: r.x + 2, y: r.y + 3 + lines.count, role: .muted)
            return
        }
        guard let res = d.result else {
            g.put("d asks the proxy (GET /v3/clusters) for the cluster id and the brokers;", x: r.x + 2, y: r.y + 2, role: .muted, maxWidth: r.width - 4)
            g.put("each broker is then probed so IP-whitelisting problems show.", x: r.x + 2, y: r.y + 3, role: .muted, maxWidth: r.width - 4)
            return
        }
        g.put("cluster   " + res.clusterID, x: r.x + 2, y: r.y + 2)
        let hostW = min(max(20, res.brokers.map(\.description.displayWidth).max() ?? 20), r.width - 24)
        let px = r.x + 2 + hostW + 1
        g.put("BROKER".padded(toWidth: hostW) + " PROBE", x: r.x + 2, y: r.y + 4, role: .title)
        var y = r.y + 5
        let lastRow = r.bottom - 4
        for (i, b) in res.brokers.enumerated() {
            guard y < lastRow else {
                g.put("… \(res.brokers.count - i) more", x: r.x + 2, y: y, role: .muted)
                break
            }
            g.put(b.description.padded(toWidth: hostW), x: r.x + 2, y: y)
            switch d.probes[b] ?? .probing {
            case .probing: g.put("probing…", x: px, y: y, role: .muted)
            case .ok(let ms): g.put("✔ " + ReportsView.ms(ms), x: px, y: y, role: .ok)
            case .failed(let m):
                // The reason matters (whitelisting): wrap it under the probe column.
                let lines = wrap("✖ " + m, width: r.right - px - 1)
                for (k, l) in lines.enumerated() {
                    if k > 0 { y += 1 }
                    if y >= lastRow { break }
                    g.put(l, x: px, y: y, role: .error)
                }
            }
            y += 1
        }
        let by = r.bottom - 3
        g.put("bootstrap.servers (y copies it; or select it with the mouse):", x: r.x + 2, y: by, role: .muted)
        let list = res.bootstrapList
        for (i, l) in hardWrap(list, width: r.width - 4).prefix(2).enumerated() {
            g.put(l, x: r.x + 2, y: by + 1 + i)
        }
    }
}

enum LoadView {
    /// What `s` will do with the file, before it does it: where, how, how fast (Compose's
    /// settings, which a forgotten rate would otherwise apply quietly).
    static func sendLines(_ s: ConsoleState) -> [(String, Role)] {
        let c = s.compose
        let topic = s.fullTopic ?? "(no topic: type one in Compose, 1)"
        var how = "mode \(c.mode.modeName)"
        let rate = Double(c.rate.text.trimmed).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        how += rate.map { " · rate \(formatNumber($0))/s" } ?? " · no rate limit"
        if c.mode == .rest(.stream) { how += c.window.text.trimmed.isEmpty ? " · adaptive window" : " · window \(c.window.text.trimmed)" }
        var lines: [(String, Role)] = [("s sends to \(topic) · \(how)", s.fullTopic == nil ? .error : .title),
                                       ("  m changes the mode; rate, window and topic are Compose's (1)", .muted)]
        if let count = s.load.count, s.load.loadedPath == s.load.path.text, let rate {
            lines.append(("  \(count) records at \(formatNumber(rate))/s take about \(duration(Double(count) / rate))", rate * 60 < Double(count) ? .warning : .muted))
        }
        return lines
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }

    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let l = s.load
        let plan = sendLines(s)
        for (i, line) in plan.enumerated() {
            g.put(line.0, x: r.x + 1, y: r.bottom - plan.count + i, role: line.1, maxWidth: r.width - 2)
        }
        g.put("Path", x: r.x + 1, y: r.y + 1, role: .title)
        let px = r.x + 7
        if l.path.isEmpty, !l.editing {
            g.put("(Enter to type a path; Tab completes)", x: px, y: r.y + 1, role: .muted)
        } else {
            g.put(l.path.text, x: px, y: r.y + 1, maxWidth: r.width - 8)
            if l.editing { ComposeView.drawCursor(text: l.path.text, column: l.path.column, x: px, y: r.y + 1, into: &g) }
            else { g.paint(x: px, y: r.y + 1, width: max(1, l.path.text.displayWidth), role: .selection) }
        }
        var y = r.y + 2
        if !l.completions.isEmpty {
            for c in l.completions.prefix(6) {
                g.put("  " + c, x: px, y: y, role: .muted, maxWidth: r.width - 10)
                y += 1
            }
            if l.completions.count > 6 { g.put("  … \(l.completions.count - 6) more", x: px, y: y, role: .muted); y += 1 }
        }
        y += 1
        if l.loading {
            g.put("reading…", x: r.x + 2, y: y, role: .muted)
            return
        }
        if let e = l.error {
            for line in wrap("✖ " + e, width: r.width - 4) where y < r.bottom {
                g.put(line, x: r.x + 2, y: y, role: .error)
                y += 1
            }
            return
        }
        guard let count = l.count else {
            g.put("l counts the records (JSON Lines or concatenated JSON) and shows the first \(Update.loadPreviewLimit);", x: r.x + 2, y: y, role: .muted, maxWidth: r.width - 4)
            g.put("s sends the file as it is read (no need to count it first).", x: r.x + 2, y: y + 1, role: .muted, maxWidth: r.width - 4)
            return
        }
        g.put("records  \(count)", x: r.x + 2, y: y, role: .ok)
        y += 2
        g.put("first \(l.first.count):", x: r.x + 2, y: y, role: .title)
        y += 1
        for (i, e) in l.first.enumerated() {
            guard y < r.bottom - plan.count - 1 else { break }
            let meta = "\(i + 1). \(e.valueType.rawValue)" + (e.key.map { " key=\($0)" } ?? "") + "  "
            let used = g.put(meta, x: r.x + 2, y: y, role: .muted)
            g.put(e.value.replacingNewlines, x: r.x + 2 + used, y: y, maxWidth: r.width - 4 - used)
            y += 1
        }
    }
}

enum HistoryView {
    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        g.put(" SEND     STATE      DELIVERED   FAILED  UNKNOWN  WHAT", x: r.x, y: r.y, role: .title)
        let rows = Update.historyRows(s)
        guard !rows.isEmpty else {
            g.put(s.historyError.map { "✖ journal: " + $0 } ?? "no sends yet, in this session or the journal", x: r.x + 2, y: r.y + 2,
                  role: s.historyError == nil ? .muted : .error, maxWidth: r.width - 4)
            return
        }
        // The selected send in full (and its failure), above the hint.
        var failure: [(String, Role)] = []
        if rows.indices.contains(s.historySelection) {
            switch rows[s.historySelection] {
            case .session(let rec):
                failure = wrap("send #\(rec.id): " + rec.description, width: r.width - 4).map { ($0, .muted) }
                if let why = rec.request.reason { failure += wrap("reason: " + why, width: r.width - 4).map { ($0, .text) } }
                if case .failed(let m) = rec.phase { failure += wrap("✖ " + m, width: r.width - 4).map { ($0, .error) } }
            case .past(let run):
                let when = run.time.replacingOccurrences(of: "T", with: " ").prefix(19)
                failure = wrap("run \(run.id), \(when), profile \(run.profile): \(run.mode) → \(run.topic), from \(run.source)", width: r.width - 4).map { ($0, .muted) }
                if let why = run.reason { failure += wrap("reason: " + why, width: r.width - 4).map { ($0, .text) } }
                if let m = run.stopReason { failure += wrap("✖ " + m, width: r.width - 4).map { ($0, .error) } }
            }
        }
        failure = Array(failure.prefix(4))
        let listRows = max(1, r.height - 2 - failure.count)
        let first = max(0, min(s.historySelection - listRows / 2, rows.count - listRows))
        let firstPast = rows.firstIndex { if case .past = $0 { true } else { false } }
        for (i, row) in rows.enumerated().dropFirst(first).prefix(listRows) {
            let y = r.y + 1 + i - first
            drawRow(row, earlierStart: i == firstPast, x: r.x, y: y, width: r.width, into: &g)
            if i == s.historySelection { g.paint(x: r.x, y: y, width: r.width, role: .selection) }
        }
        for (i, l) in failure.enumerated() { g.put(l.0, x: r.x + 2, y: r.bottom - 1 - failure.count + i, role: l.1) }
        g.put("Enter: load into Compose, edit, send again · r: re-send failed/unknown", x: r.x + 2, y: r.bottom - 1, role: .muted, maxWidth: r.width - 4)
    }

    static func drawRow(_ row: HistoryRow, earlierStart: Bool, x: Int, y: Int, width: Int, into g: inout Grid) {
        let id: String, state: (String, Role), counts: (Int, Int, Int), what: String
        switch row {
        case .session(let rec):
            id = "#\(rec.id)"
            state = switch rec.phase {
            case .running: ("running", .title)
            case .finished: ("finished", rec.failed + rec.unknown > 0 ? .warning : .ok)
            case .stopped: ("stopped", .warning)
            case .failed: ("failed", .error)
            }
            counts = (rec.delivered, rec.failed, rec.unknown)
            what = rec.description
        case .past(let run):
            // An earlier run: its journal id, when and through which profile.
            id = run.id
            let label = run.state != "finished" ? run.state : (run.stopReason == nil ? "done" : "stopped")
            state = (label, run.failed + run.unknown > 0 || run.state == "killed" ? .warning : .muted)
            counts = (run.delivered, run.failed, run.unknown)
            let when = run.time.count >= 16 ? String(Array(run.time)[5..<16]).replacingOccurrences(of: "T", with: " ") : run.time
            what = "\(when) \(run.profile): \(run.mode) → \(run.topic)" + (run.source.hasPrefix("file:") ? " (\(run.source))" : "")
        }
        var cx = x
        // An earlier run is named by its journal id (`ingest journal --run ID`).
        cx += g.put(" " + id.truncated(toWidth: 8, ellipsis: false).padded(toWidth: 8) + " ", x: cx, y: y, role: earlierStart ? .title : .text)
        cx += g.put(state.0.padded(toWidth: 9) + " ", x: cx, y: y, role: state.1)
        cx += g.put(String(counts.0).leftPadded(toWidth: 10) + " ", x: cx, y: y, role: .ok)
        cx += g.put(String(counts.1).leftPadded(toWidth: 8) + " ", x: cx, y: y, role: counts.1 > 0 ? .error : .muted)
        cx += g.put(String(counts.2).leftPadded(toWidth: 8) + "  ", x: cx, y: y, role: counts.2 > 0 ? .warning : .muted)
        g.put(what, x: cx, y: y, maxWidth: x + width - cx)
    }
}

extension String {
    var replacingNewlines: String { String(map { $0.isNewline ? " " : $0 }) }
}
