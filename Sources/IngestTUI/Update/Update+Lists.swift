import IngestModel

extension Update {
    // MARK: lists

    public static func visibleReportCount(_ s: ConsoleState) -> Int {
        s.reportsUI.problemsOnly ? s.reports.problemIndices().count : s.reports.held
    }

    static func listPage(_ s: ConsoleState) -> Int { max(1, s.height - 8) }
    /// Rows of Compose's preview box.
    static let previewPage = ComposeField.allCases.count - 3

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
            let lines = ComposeView.previewLines(s).count
            if action == .pageUp { s.compose.previewScroll = max(0, s.compose.previewScroll - previewPage) }
            if action == .pageDown { s.compose.previewScroll = max(0, min(lines - previewPage, s.compose.previewScroll + previewPage)) }
        case .reports where s.reportsUI.detail:
            // In a record's detail the keys scroll it.
            let page = listPage(s)
            switch action {
            case .moveUp: s.reportsUI.detailScroll -= 1
            case .moveDown: s.reportsUI.detailScroll += 1
            case .pageUp: s.reportsUI.detailScroll -= page
            case .pageDown: s.reportsUI.detailScroll += page
            case .top: s.reportsUI.detailScroll = 0
            default: s.reportsUI.detailScroll = Int.max / 2
            }
            s.reportsUI.detailScroll = max(0, s.reportsUI.detailScroll)
        case .reports:
            let count = visibleReportCount(s)
            s.reportsUI.selected = step(min(s.reportsUI.selected, max(0, count - 1)), count)
            s.reportsUI.follow = (action == .bottom) || (s.reportsUI.follow && s.reportsUI.selected == count - 1 && action != .moveUp && action != .pageUp && action != .top)
        case .profiles: s.profileSelection = step(s.profileSelection, s.profiles.count)
        case .history: s.historySelection = step(s.historySelection, historyRows(s).count)
        default: break
        }
    }

    /// The status line, also kept in the message log (`!` shows it in full).
    static func setStatus(_ s: inout ConsoleState, _ text: String, _ role: Role) {
        let line = StatusLine(text: text, role: role)
        s.status = line
        s.messageLog.append(line)
        if s.messageLog.count > messageLogCapacity { s.messageLog.removeFirst(s.messageLog.count - messageLogCapacity) }
    }

    public static let messageLogCapacity = 50

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
