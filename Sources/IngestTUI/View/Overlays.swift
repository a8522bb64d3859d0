enum HelpOverlay {
    static func lines(for view: ViewID) -> [(group: String, keys: String, help: String)] {
        var out: [(String, String, String)] = []
        var lastGroup = ""
        var viewKeysDone = false
        // Pairs share a line: ↑/↓, PgUp/PgDn, first/last row, next/previous view.
        let pairs: [ActionID: (ActionID, String)] = [
            .moveUp: (.moveDown, "Previous / next field or row (also k/j)"), .pageUp: (.pageDown, "Page up / down (Compose: scroll the preview)"),
            .top: (.bottom, "First / last row (also Home/End)"), .nextView: (.previousView, "Next / previous view"),
        ]
        let actions = ActionTable.actions(in: view)
        let seconds = Set(pairs.values.map(\.0))
        for spec in actions where !seconds.contains(spec.id) || !actions.contains(where: { pairs[$0.id]?.0 == spec.id }) {
            var keys = spec.keyLabel
            var help = spec.help
            if let (second, text) = pairs[spec.id], let other = actions.first(where: { $0.id == second }) {
                keys = spec.keys.first!.label + "/" + other.keys.first!.label
                help = text
            }
            let switches: [ActionID] = [.showCompose, .showReports, .showProfiles, .showDiscovery, .showLoad, .showHistory, .showDoctor]
            if switches.contains(spec.id) {
                if viewKeysDone { continue }
                viewKeysDone = true
                keys = "1-\(ViewID.allCases.count)"
                help = ViewID.allCases.map(\.title).joined(separator: " ")
            }
            out.append((spec.group == lastGroup ? "" : spec.group, keys, help))
            lastGroup = spec.group
        }
        return out
    }

    static func draw(_ s: ConsoleState, into g: inout Grid) {
        let w = min(s.width - 4, 78)
        // A help text too long for its column goes on under itself (the list of views, at 80 columns).
        var items: [(group: String, keys: String, help: String)] = []
        for item in lines(for: s.view) {
            for (k, line) in wrap(item.help, width: max(1, w - 26)).enumerated() {
                items.append(k == 0 ? (item.group, item.keys, line) : ("", "", line))
            }
        }
        let h = min(s.height - 2, items.count + 4)
        let x = (s.width - w) / 2
        let y = max(1, (s.height - h) / 2)
        g.fill(x: x, y: y, width: w, height: h, role: .text)
        g.box(x: x, y: y, width: w, height: h, title: "Help: \(s.view.title)  (any key closes)")
        for (i, item) in items.prefix(h - 4).enumerated() {
            let yy = y + 1 + i
            g.put(item.group.padded(toWidth: 10), x: x + 2, y: yy, role: .muted)
            g.put(item.keys.padded(toWidth: 12), x: x + 12, y: yy, role: .title)
            g.put(item.help, x: x + 24, y: yy, maxWidth: w - 26)
        }
        g.put("Editing: Esc/Enter end it, Tab/S-Tab move, Ctrl-U/K/W/A/E edit", x: x + 2, y: y + h - 2, role: .muted, maxWidth: w - 4)
    }
}

/// The latest message in full, wrapped, and the ones before it (`!`).
enum MessagesOverlay {
    static func draw(_ s: ConsoleState, into g: inout Grid) {
        let w = min(s.width - 4, 100)
        let h = s.height - 4
        let x = (s.width - w) / 2
        let y = 2
        g.fill(x: x, y: y, width: w, height: h, role: .text)
        g.box(x: x, y: y, width: w, height: h, title: "Messages, latest first  (any key closes)")
        var row = y + 1
        guard !s.messageLog.isEmpty else {
            g.put("no messages yet", x: x + 2, y: row, role: .muted)
            return
        }
        for (k, line) in s.messageLog.reversed().enumerated() {
            for (i, text) in wrap(line.text, width: w - 6).enumerated() {
                guard row < y + h - 1 else { return }
                g.put(i == 0 ? (k == 0 ? "▸ " : "  ") : "", x: x + 2, y: row, role: .title)
                g.put(text, x: x + 4, y: row, role: k == 0 ? line.role : .muted, maxWidth: w - 6)
                row += 1
            }
        }
    }
}

enum ModalView {
    /// What a send will do: topic, records and where they come from, mode and pace.
    static func drawSendFacts(_ r: SendRequest, x: Int, y: Int, width: Int, into g: inout Grid) {
        let plan = r.plan
        let source: String
        switch plan.source {
        case .template: source = "composed in Compose"
        case .file(let path, _, _): source = "file " + path
        case .records(_, let origin): source = origin.hasPrefix("resend:") ? "re-send of send " + origin.dropFirst("resend:".count) : origin
        }
        let count = r.records.map { $0 == 1 ? "1 record" : "\($0) records" } ?? "every record of the file (not counted: l in Load counts)"
        var mode = plan.transport.modeName
        if let rate = plan.options.ratePerSecond { mode += ", at most \(formatNumber(rate))/s" }
        if plan.transport == .rest(.stream), let window = plan.options.window { mode += ", window \(window)" }
        var facts = [("topic", plan.topic, Role.title), ("records", count, .text), ("from", source, .text), ("mode", mode, .text)]
        if let reason = r.reason { facts.append(("reason", reason, .text)) }
        for (i, (label, value, role)) in facts.enumerated() {
            g.put(label.padded(toWidth: 9), x: x, y: y + i, role: .muted)
            g.put(value, x: x + 9, y: y + i, role: role, maxWidth: width - 9)
        }
    }

    static func draw(_ s: ConsoleState, into g: inout Grid) {
        guard let modal = s.modal else { return }
        let w = min(s.width - 6, 72)
        let x = (s.width - w) / 2
        switch modal {
        case .confirmProduction(let input, let pending, let error):
            let h = 13
            let y = max(2, (s.height - h) / 2)
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "PRODUCTION: confirm this send", role: .productionBanner)
            g.put("You are about to send to PRODUCTION (profile \(pending.profile)):", x: x + 2, y: y + 1, role: .warning, maxWidth: w - 4)
            drawSendFacts(pending, x: x + 4, y: y + 2, width: w - 6, into: &g)
            g.put("Type the full topic name and press Enter to send:", x: x + 2, y: y + 7, maxWidth: w - 4)
            g.put("> ", x: x + 2, y: y + 8, role: .title)
            g.put(input.text, x: x + 4, y: y + 8, maxWidth: w - 6)
            ComposeView.drawCursor(text: input.text, column: input.column, x: x + 4, y: y + 8, into: &g)
            if let error { g.put("✖ " + error, x: x + 2, y: y + 9, role: .error, maxWidth: w - 4) }
            g.put("Esc cancels. Nothing is sent until the name matches.", x: x + 2, y: y + 11, role: .muted, maxWidth: w - 4)
        case .confirmProductionSingle(let pending):
            let h = 10
            let y = max(2, (s.height - h) / 2)
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "PRODUCTION: send this record?", role: .productionBanner)
            g.put("Send to PRODUCTION (profile \(pending.profile)):", x: x + 2, y: y + 1, role: .warning, maxWidth: w - 4)
            drawSendFacts(pending, x: x + 4, y: y + 2, width: w - 6, into: &g)
            g.put("y sends; n, Enter or Esc cancels (default No).", x: x + 2, y: y + 8, role: .title, maxWidth: w - 4)
        case .confirmQuit(let id):
            let h = 8
            let y = max(2, (s.height - h) / 2)
            let run = s.sends.first { $0.id == id }
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "Quit while sending?", role: s.isProduction ? .productionBanner : .border)
            g.put("Send #\(id) is running: \(run?.inFlight ?? 0) records in flight, \(run?.answered ?? 0) answered.", x: x + 2, y: y + 1, maxWidth: w - 4)
            g.put("y stops it, waits up to \(Int(Update.quitDrainSeconds)) s for the outcomes of the records in", x: x + 2, y: y + 3, maxWidth: w - 4)
            g.put("flight (journaled), then quits.", x: x + 2, y: y + 4, maxWidth: w - 4)
            g.put("n, Enter or Esc keeps it running.", x: x + 2, y: y + 6, role: .title, maxWidth: w - 4)
        case .secret(let profile, let asking, _, let input):
            let h = 7
            let y = max(2, (s.height - h) / 2)
            let secret = asking.first ?? .apiKey
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "\(secret.title) for \(profile)")
            g.put("The profile's \(secret.setting) says prompt. It is kept in memory only.", x: x + 2, y: y + 1, role: .muted, maxWidth: w - 4)
            g.put("> ", x: x + 2, y: y + 3, role: .title)
            let masked = String(repeating: "•", count: input.text.count)
            g.put(masked, x: x + 4, y: y + 3, maxWidth: w - 6)
            ComposeView.drawCursor(text: masked, column: input.column, x: x + 4, y: y + 3, into: &g)
            g.put("Enter uses it, Esc cancels.", x: x + 2, y: y + 5, role: .muted)
        case .reason, .confirmIdle, .savedSends, .saveSend, .copyAs, .importCurl:
            WorkflowModals.draw(s, modal, into: &g)
        case .confirmResend(let id, let seqs):
            let h = 7
            let y = max(2, (s.height - h) / 2)
            let rec = s.sends.first(where: { $0.id == id })
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "Re-send?", role: s.isProduction ? .productionBanner : .border)
            g.put("Re-send \(seqs.count) failed/unknown records of send #\(id)", x: x + 2, y: y + 1, maxWidth: w - 4)
            g.put("to \(rec?.request.topic ?? "?")" + (s.isProduction ? " (PRODUCTION)" : ""), x: x + 2, y: y + 2, role: s.isProduction ? .warning : .text, maxWidth: w - 4)
            g.put("Unknown ones may have arrived already: re-sending can duplicate.", x: x + 2, y: y + 3, role: .muted, maxWidth: w - 4)
            g.put("y re-sends, n or Esc cancels.", x: x + 2, y: y + 5, role: .title)
        }
    }
}
