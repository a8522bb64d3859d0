import Foundation
import IngestModel

/// The questions of the workflow: a reason, an idle confirmation, the saved sends (searched),
/// a name to save under, a format to copy as, a curl command to import.
enum WorkflowModals {
    static func draw(_ s: ConsoleState, _ modal: Modal, into g: inout Grid) {
        let w = min(s.width - 6, 76)
        let x = (s.width - w) / 2
        func frame(_ h: Int, _ title: String) -> Int { Self.frame(s, h, title, x: x, width: w, into: &g) }
        func input(_ b: TextBuffer, y: Int) { Self.input(b, x: x, y: y, width: w, into: &g) }
        switch modal {
        case .reason(let text, let pending):
            let y = frame(12, "Why this send? (profile \(pending.profile) requires a reason)")
            ModalView.drawSendFacts(pending, x: x + 4, y: y + 1, width: w - 6, into: &g)
            g.put("The reason is kept with the run in the journal (ingest journal shows it).", x: x + 2, y: y + 6, role: .muted, maxWidth: w - 4)
            input(text, y: y + 8)
            g.put("Enter goes on to the send" + (s.isProduction ? "'s confirmation" : "") + "; Esc cancels: nothing is sent.", x: x + 2, y: y + 10, role: .muted, maxWidth: w - 4)
        case .confirmIdle(let pending, let minutes):
            let y = frame(10, "Send? \(minutes) minutes or more without a send")
            g.put("Profile \(pending.profile) asks again after \(minutes) idle minutes (confirm_idle_minutes):", x: x + 2, y: y + 1, role: .warning, maxWidth: w - 4)
            ModalView.drawSendFacts(pending, x: x + 4, y: y + 2, width: w - 6, into: &g)
            g.put("y sends; n, Enter or Esc cancels (default No).", x: x + 2, y: y + 8, role: .title, maxWidth: w - 4)
        case .savedSends(let query, let selection):
            drawSaved(s, query: query, selection: selection, x: x, width: w, into: &g)
        case .saveSend(let name, let send, _, let error):
            let y = frame(11, "Save this send by name")
            g.put(send.summary, x: x + 2, y: y + 1, maxWidth: w - 4)
            g.put("Name (letters, digits, . _ -); the file NAME.toml goes in", x: x + 2, y: y + 2, role: .muted, maxWidth: w - 4)
            g.put(s.savedSends?.directory ?? "the saved sends' directory", x: x + 2, y: y + 3, role: .muted, maxWidth: w - 4)
            input(name, y: y + 5)
            for (i, line) in wrap("✖ " + (error ?? ""), width: w - 4).prefix(2).enumerated() where error != nil {
                g.put(line, x: x + 2, y: y + 6 + i, role: .error)
            }
            g.put("Enter saves, Esc cancels; ingest send --saved NAME sends it too.", x: x + 2, y: y + 9, role: .muted, maxWidth: w - 4)
        case .copyAs(let pending):
            let y = frame(12, "Copy this send as")
            ModalView.drawSendFacts(pending, x: x + 4, y: y + 1, width: w - 6, into: &g)
            for (i, format) in CopyFormat.allCases.enumerated() {
                g.put(String(format.key), x: x + 4, y: y + 6 + i, role: .title)
                g.put(format.title, x: x + 6, y: y + 6 + i)
            }
            g.put("Secrets stay in variables (\"$…_API_KEY\"). Nothing is sent.", x: x + 2, y: y + 10, role: .muted, maxWidth: w - 4)
        case .importCurl(let text, let error):
            let h = min(s.height - 4, 16)
            let y = frame(h, "Import a curl command into Compose")
            g.put("Paste the command (as in the guide); its API key is never taken.", x: x + 2, y: y + 1, role: .muted, maxWidth: w - 4)
            let rows = h - 6
            let lines = text.lines.map { maskingAPIKey(String($0)) }.flatMap { hardWrap($0, width: w - 6) }
            for (i, line) in lines.suffix(rows).enumerated() { g.put(line, x: x + 3, y: y + 2 + i, maxWidth: w - 6) }
            if lines.isEmpty { g.put("(nothing pasted yet)", x: x + 3, y: y + 2, role: .muted) }
            if let error { g.put("✖ " + error, x: x + 2, y: y + h - 3, role: .error, maxWidth: w - 4) }
            g.put("Enter imports, Esc cancels.", x: x + 2, y: y + h - 2, role: .muted, maxWidth: w - 4)
        default: break
        }
    }

    /// A box in the middle of the screen; returns its top row.
    static func frame(_ s: ConsoleState, _ h: Int, _ title: String, x: Int, width w: Int, into g: inout Grid) -> Int {
        let y = max(2, (s.height - h) / 2)
        g.fill(x: x, y: y, width: w, height: h, role: .text)
        g.box(x: x, y: y, width: w, height: h, title: title, role: s.isProduction ? .productionBanner : .border)
        return y
    }

    static func input(_ b: TextBuffer, x: Int, y: Int, width w: Int, into g: inout Grid) {
        g.put("> ", x: x + 2, y: y, role: .title)
        g.put(b.text, x: x + 4, y: y, maxWidth: w - 6)
        ComposeView.drawCursor(text: b.text, column: b.column, x: x + 4, y: y, into: &g)
    }

    static func drawSaved(_ s: ConsoleState, query: TextBuffer, selection: Int, x: Int, width w: Int, into g: inout Grid) {
        let h = s.height - 4
        let y = frame(s, h, "Saved sends" + (s.savedSends.map { " (\($0.directory))" } ?? ""), x: x, width: w, into: &g)
        g.put("search", x: x + 2, y: y + 1, role: .muted)
        input(query, x: x + 6, y: y + 1, width: w - 6, into: &g)
        guard let list = s.savedSends else {
            g.put("reading…", x: x + 2, y: y + 3, role: .muted)
            return
        }
        let matches = Update.matchingSaved(s, query: query.text)
        guard !matches.isEmpty else {
            let text = list.items.isEmpty
                ? "no saved sends in \(list.directory): w saves this one; ingest send … --save-as NAME saves one from the command line"
                : "none of the \(list.items.count) saved sends matches"
            for (i, line) in wrap(text, width: w - 4).enumerated() { g.put(line, x: x + 2, y: y + 3 + i, role: .muted) }
            return
        }
        let rows = h - 7
        let first = max(0, min(selection - rows / 2, matches.count - rows))
        let nameWidth = min(24, max(8, matches.map(\.name.displayWidth).max() ?? 8))
        for (i, item) in matches.enumerated().dropFirst(first).prefix(rows) {
            let row = y + 3 + i - first
            var role: Role = .text
            if case .failure = item.result { role = .error }
            g.put(" " + item.name.truncated(toWidth: nameWidth).padded(toWidth: nameWidth) + "  ", x: x + 1, y: row, role: .title)
            g.put(item.summary, x: x + nameWidth + 4, y: row, role: role, maxWidth: w - nameWidth - 5)
            if i == selection { g.paint(x: x + 1, y: row, width: w - 2, role: .selection) }
        }
        // The selected one's data (or what is wrong with it), on the last lines.
        let item = matches[min(selection, matches.count - 1)]
        let detail: String
        switch item.result {
        case .success(let send): detail = send.file.map { "file " + $0 } ?? (send.data ?? "").replacingNewlines
        case .failure(let f): detail = f.message
        }
        for (i, line) in wrap(detail, width: w - 4).prefix(2).enumerated() { g.put(line, x: x + 2, y: y + h - 4 + i, role: .muted) }
        g.put("\(matches.count) of \(list.items.count) · Enter loads it into Compose, edit, s sends", x: x + 2, y: y + h - 2, role: .muted, maxWidth: w - 4)
    }

    /// A pasted command's `x-api-key:` value is never shown (the import never takes it either).
    static func maskingAPIKey(_ line: String) -> String {
        guard let header = line.range(of: "x-api-key:", options: .caseInsensitive) else { return line }
        let rest = line[header.upperBound...]
        let end = rest.firstIndex { $0 == "'" || $0 == "\"" } ?? rest.endIndex
        return String(line[..<header.upperBound]) + " ••••" + rest[end...]
    }
}
