enum HelpOverlay {
    static func lines(for view: ViewID) -> [(group: String, keys: String, help: String)] {
        var out: [(String, String, String)] = []
        var lastGroup = ""
        var viewKeysDone = false
        for spec in ActionTable.actions(in: view) {
            var keys = spec.keyLabel
            var help = spec.help
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
        g.put("Editing: Esc/Enter end it (Enter: new line in Value); Tab: next field", x: x + 2, y: y + h - 2, role: .muted, maxWidth: w - 4)
    }
}

enum ModalView {
    static func draw(_ s: ConsoleState, into g: inout Grid) {
        guard let modal = s.modal else { return }
        let w = min(s.width - 6, 72)
        let x = (s.width - w) / 2
        switch modal {
        case .confirmProduction(let input, let pending, let error):
            let h = 11
            let y = max(2, (s.height - h) / 2)
            g.fill(x: x, y: y, width: w, height: h, role: .text)
            g.box(x: x, y: y, width: w, height: h, title: "PRODUCTION: confirm the topic", role: .productionBanner)
            g.put("You are about to send to PRODUCTION (profile \(pending.profile)):", x: x + 2, y: y + 1, role: .warning, maxWidth: w - 4)
            g.put(pending.topic, x: x + 4, y: y + 2, role: .title, maxWidth: w - 6)
            g.put(pending.plan.summary, x: x + 4, y: y + 3, role: .muted, maxWidth: w - 6)
            g.put("Type the full topic name and press Enter to send:", x: x + 2, y: y + 5, maxWidth: w - 4)
            g.put("> ", x: x + 2, y: y + 6, role: .title)
            g.put(input.text, x: x + 4, y: y + 6, maxWidth: w - 6)
            ComposeView.drawCursor(text: input.text, column: input.column, x: x + 4, y: y + 6, into: &g)
            if let error { g.put("✖ " + error, x: x + 2, y: y + 7, role: .error, maxWidth: w - 4) }
            g.put("Esc cancels. Nothing is sent until the name matches.", x: x + 2, y: y + 9, role: .muted, maxWidth: w - 4)
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
