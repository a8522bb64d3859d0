import IngestModel

/// Draws a whole screen from the state: chrome (banner, tabs, status, footer), the current view,
/// then overlays (help, modals). Pure: the same state gives the same grid.
public enum Render {
    public static func screen(_ s: ConsoleState) -> Grid {
        var g = Grid(width: s.width, height: s.height)
        if s.isTooSmall {
            TooSmallView.draw(s, into: &g)
            return g
        }
        Chrome.banner(s, into: &g)
        Chrome.tabs(s, into: &g)
        let body = Rect(x: 0, y: 2, width: s.width, height: s.height - 4)
        switch s.view {
        case .compose: ComposeView.draw(s, in: body, into: &g)
        case .reports: ReportsView.draw(s, in: body, into: &g)
        case .profiles: ProfilesView.draw(s, in: body, into: &g)
        case .discovery: DiscoveryView.draw(s, in: body, into: &g)
        case .load: LoadView.draw(s, in: body, into: &g)
        case .history: HistoryView.draw(s, in: body, into: &g)
        case .doctor: DoctorView.draw(s, in: body, into: &g)
        }
        Chrome.status(s, into: &g)
        Chrome.footer(s, into: &g)
        if s.showHelp { HelpOverlay.draw(s, into: &g) }
        if s.showMessages { MessagesOverlay.draw(s, into: &g) }
        if s.modal != nil { ModalView.draw(s, into: &g) }
        return g
    }
}

public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var bottom: Int { y + height }
    public var right: Int { x + width }
}

enum Chrome {
    static func banner(_ s: ConsoleState, into g: inout Grid) {
        let production = s.isProduction
        let role = bannerRole(s.active?.environment)
        g.fill(y: 0, role: role)
        var text: String
        if let p = s.active {
            let env = p.environment.rawValue.uppercased()
            let lead = production ? " ▲ PRODUCTION ▲ " : " ingest · \(env) "
            text = lead + " profile \(p.name)  topic " + (s.fullTopic ?? (s.topicError != nil ? "(invalid)" : "(none)"))
        } else if let a = s.activating {
            text = " ingest  profile \(a) (activating…)"
        } else {
            text = " ingest  no active profile"
        }
        g.put(text, x: 0, y: 0, role: role)
        if let run = s.runningSend {
            let tag = " ● sending #\(run.id) "
            g.put(tag, x: s.width - tag.displayWidth, y: 0, role: role)
        }
    }

    /// Each environment has its own banner colours (fixed, whatever the theme).
    static func bannerRole(_ environment: DeploymentEnvironment?) -> Role {
        switch environment {
        case .production?: .productionBanner
        case .dev?: .devBanner
        case .sandbox?: .sandboxBanner
        case nil: .banner
        }
    }

    static func tabs(_ s: ConsoleState, into g: inout Grid) {
        g.fill(y: 1, role: .muted)
        let labels = ViewID.allCases.map { " \($0.rawValue) \($0.title) " }
        // A column between tabs when they all fit with it (every tab fits at 80 columns without).
        let gap = 1 + labels.reduce(0) { $0 + $1.displayWidth + 1 } <= s.width ? 1 : 0
        var x = 1
        for (v, label) in zip(ViewID.allCases, labels) {
            g.put(label, x: x, y: 1, role: v == s.view ? .selection : .muted)
            x += label.displayWidth + gap
        }
        let counts = "✔\(s.reports.delivered) ✖\(s.reports.failed) ?\(s.reports.unknown) ⇡\(s.inFlight) "
        if x + counts.displayWidth < s.width {
            g.put(counts, x: s.width - counts.displayWidth, y: 1, role: s.reports.failed + s.reports.unknown > 0 ? .warning : .muted)
        }
    }

    static func status(_ s: ConsoleState, into g: inout Grid) {
        let y = s.height - 2
        guard let st = s.notice ?? s.status else { return }
        // One line here; a longer message says where to read it whole.
        let text = st.text.replacingNewlines
        let room = s.width - 1
        if text.displayWidth <= room {
            g.put(" " + text, x: 0, y: y, role: st.role, maxWidth: s.width)
        } else {
            let more = " (! more)"
            let used = g.put(" " + text.truncated(toWidth: room - more.displayWidth), x: 0, y: y, role: st.role)
            g.put(more, x: used, y: y, role: .muted)
        }
    }

    static func footer(_ s: ConsoleState, into g: inout Grid) {
        let y = s.height - 1
        var x = 1
        if let modal = s.modal {
            let hint: String
            switch modal {
            case .confirmProduction: hint = " type the full topic, Enter sends, Esc cancels"
            case .confirmProductionSingle: hint = " y sends, n/Enter/Esc cancels (default No)"
            case .confirmQuit: hint = " y stops the send and quits, n/Esc keeps it running"
            case .secret: hint = " Enter uses the secret, Esc cancels"
            case .confirmResend: hint = " y re-sends, n/Esc cancels"
            case .reason: hint = " type why (kept in the journal), Enter goes on, Esc cancels"
            case .confirmIdle: hint = " y sends, n/Enter/Esc cancels (default No)"
            case .savedSends: hint = " type to search  ↑/↓ choose  Enter loads it  Esc closes"
            case .saveSend: hint = " type a name, Enter saves, Esc cancels"
            case .copyAs: hint = " c curl  k kcat  p producer.properties  Esc cancels"
            case .importCurl: hint = " paste a curl command, Enter imports it, Esc cancels"
            }
            g.put(hint, x: 0, y: y, role: .muted)
            return
        }
        if (s.view == .compose && s.compose.editing) || (s.view == .load && s.load.editing) {
            let hint: String
            if s.view == .load {
                hint = " editing path: Tab completes  Enter/Esc done  Ctrl-U clears"
            } else if s.compose.field.isChoice {
                hint = " editing \(s.compose.field.label): Space/←/→ change  Tab/S-Tab next/prev field  Enter/Esc done"
            } else if s.compose.field == .value {
                hint = " editing value: Enter new line  Tab/S-Tab field  Esc done  Ctrl-U/W/A/E"
            } else {
                hint = " editing: Enter/Esc done  Tab/S-Tab next/prev field  Ctrl-U/W/A/E"
            }
            g.put(hint, x: 0, y: y, role: .muted)
            return
        }
        // The view's own actions as far as they fit beside the global ones (stop, help, quit).
        let items = ActionTable.footerItems(in: s.view)
        func width(_ item: (keys: String, label: String, global: Bool)) -> Int { item.keys.displayWidth + 1 + item.label.displayWidth + 2 }
        var room = s.width - items.filter(\.global).reduce(0) { $0 + width($1) }
        for item in items {
            let w = width(item)
            if item.global { room = s.width } else if x + w > room { continue }
            if x + w > s.width { break }
            x += g.put(item.keys, x: x, y: y, role: .title)
            x += g.put(" " + item.label + "  ", x: x, y: y, role: .muted)
        }
    }
}

enum TooSmallView {
    static func draw(_ s: ConsoleState, into g: inout Grid) {
        // The banner stays, so production is visible even here.
        if s.height >= 3, s.width > 0 {
            Chrome.banner(s, into: &g)
        }
        let msg = "terminal too small (need \(Layout.minWidth)x\(Layout.minHeight), have \(s.width)x\(s.height))"
        let lines = wrap(msg, width: max(1, s.width - 2))
        let top = max(s.height >= 3 ? 1 : 0, (s.height - lines.count) / 2)
        for (i, l) in lines.enumerated() {
            let x = max(0, (s.width - l.displayWidth) / 2)
            g.put(l, x: x, y: top + i, role: .warning)
        }
        if top + lines.count + 1 < s.height {
            let hint = "q quits"
            g.put(hint, x: max(0, (s.width - hint.displayWidth) / 2), y: top + lines.count + 1, role: .muted)
        }
    }
}

/// Breaks text into lines of at most `width` columns, at spaces where it can.
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var out: [String] = []
    for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        var lineWidth = 0
        for word in para.split(separator: " ", omittingEmptySubsequences: false) {
            var w = String(word)
            let ww = w.displayWidth
            if lineWidth > 0, lineWidth + 1 + ww <= width {
                line += " " + w
                lineWidth += 1 + ww
                continue
            }
            if lineWidth > 0 {
                out.append(line)
                line = ""
                lineWidth = 0
            }
            while w.displayWidth > width {
                var head = w.truncated(toWidth: width, ellipsis: false)
                if head.isEmpty { head = String(w.prefix(1)) }  // a wide character in a 1-column width
                out.append(head)
                w = String(w.dropFirst(head.count))
            }
            line = w
            lineWidth = w.displayWidth
        }
        out.append(line)
    }
    return out
}

/// Hard-wraps text at exactly `width` columns (JSON and other text without useful spaces).
func hardWrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var out: [String] = []
    for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        var w = 0
        for ch in para {
            let cw = max(1, CellWidth.of(ch))
            if w + cw > width {
                out.append(line)
                line = ""
                w = 0
            }
            line.append(ch)
            w += cw
        }
        out.append(line)
    }
    return out
}
