import IngestModel

extension Update {
    // MARK: paste

    /// The largest paste taken: a record's value is at most 1 MiB.
    public static let maximumPasteBytes = RecordLimits.maximumRecordBytes

    /// A bracketed paste goes into the focused text field (Compose's selected field, Load's
    /// path, a prompt), starting to edit it; anywhere else it is refused with a message. It is
    /// never read as keys, so pasted letters can never send, switch views or quit.
    static func paste(_ s: inout ConsoleState, _ raw: String) -> [Effect] {
        s.notice = nil
        let text = normalisedPaste(raw)
        guard !text.isEmpty else { return [] }
        guard text.utf8.count <= maximumPasteBytes else {
            setStatus(&s, "paste of \(text.utf8.count) bytes refused: a value is at most \(maximumPasteBytes) bytes; send big files from Load (5)", .error)
            return []
        }
        if s.isTooSmall { return refusePaste(&s, "the terminal is too small to show a field") }
        if let modal = s.modal {
            switch modal {
            case .confirmProduction(var input, let pending, _):
                input.insert(oneLine(text))
                s.modal = .confirmProduction(input: input, pending: pending, error: nil)
            case .secret(let profile, let asking, let answered, var input):
                input.insert(oneLine(text))
                s.modal = .secret(profile: profile, asking: asking, answered: answered, input: input)
            case .reason(var input, let pending):
                input.insert(oneLine(text))
                s.modal = .reason(input: input, pending: pending)
            case .savedSends(var query, _):
                query.insert(oneLine(text))
                s.modal = .savedSends(query: query, selection: 0)
            case .saveSend(var name, let send, _, _):
                name.insert(oneLine(text))
                s.modal = .saveSend(name: name, send: send, replace: false, error: nil)
            case .importCurl(var input, _):
                input.insert(text)
                s.modal = .importCurl(input: input, error: nil)
            case .copyAs:
                return refusePaste(&s, "pick a format first (c, k or p)")
            case .confirmProductionSingle, .confirmQuit, .confirmResend, .confirmIdle:
                return refusePaste(&s, "answer the question first (y or n)")
            }
            return []
        }
        if s.showHelp { return refusePaste(&s, "close the help first (any key)") }
        switch s.view {
        case .compose:
            let field = s.compose.field
            guard var buffer = s.compose[text: field] else {
                return refusePaste(&s, "\(field.label) is a choice, not text: select a text field (↑/↓) first")
            }
            s.compose.editing = true
            buffer.insert(buffer.multiline ? text : oneLine(text))
            s.compose[text: field] = buffer
            if text.trimmed.hasPrefix("curl ") {
                setStatus(&s, "pasted into \(field.label) as text; to take a curl command's request into Compose: Esc, then i, and paste it there", .muted)
            }
            return composeFieldChanged(&s, field)
        case .load:
            s.load.editing = true
            s.load.path.insert(oneLine(text))
            s.load.completions = []
            return []
        default:
            return refusePaste(&s, "no field here takes text: paste into Compose (1) or Load (5)")
        }
    }

    static func refusePaste(_ s: inout ConsoleState, _ why: String) -> [Effect] {
        setStatus(&s, "paste ignored: \(why); nothing was sent", .warning)
        return []
    }

    /// Line ends as `\n`, no control characters but tabs and newlines.
    static func normalisedPaste(_ raw: String) -> String {
        let unified = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: unified.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) })
        return String(kept)
    }

    /// For one-line fields: trailing line ends dropped, the others become spaces.
    static func oneLine(_ text: String) -> String {
        var t = Substring(text)
        while t.last == "\n" { t.removeLast() }
        return String(t.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
    }
}
