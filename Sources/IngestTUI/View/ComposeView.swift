import IngestModel

enum ComposeView {
    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let c = s.compose
        let formWidth = min(50, r.width / 2 + 4)
        let labelWidth = 12
        let formFields = ComposeField.allCases.filter { $0 != .value }
        for (i, f) in formFields.enumerated() {
            let y = r.y + i
            let selected = c.field == f
            let marker = selected ? "▸" : " "
            g.put(marker + " " + f.label.padded(toWidth: labelWidth - 2), x: r.x, y: y, role: selected ? .title : .text)
            let vx = r.x + labelWidth
            let vw = formWidth - labelWidth - 1
            drawFieldValue(s, f, x: vx, y: y, width: vw, into: &g)
            if selected, !c.editing { g.paint(x: vx, y: y, width: vw, role: .selection) }
        }

        // Preview of the first record, as it will be sent, indented; PgUp/PgDn scroll it.
        let px = r.x + formWidth
        let pw = r.width - formWidth
        let boxHeight = formFields.count
        g.box(x: px, y: r.y, width: pw, height: boxHeight, title: c.mode == .native ? "Preview: Kafka record 1" : "Preview: REST request 1")
        let shownPreview = previewLines(s)
        let previewRows = boxHeight - 2
        let top = min(c.previewScroll, max(0, shownPreview.count - previewRows))
        for (i, l) in shownPreview.dropFirst(top).prefix(previewRows).enumerated() {
            g.put(l, x: px + 1, y: r.y + 1 + i, role: c.preview.map { (try? $0.get()) == nil } == true ? .error : .text)
        }
        if top > 0 { g.put("↑", x: px + pw - 1, y: r.y + 1, role: .muted) }
        if top + previewRows < shownPreview.count { g.put("↓", x: px + pw - 1, y: r.y + boxHeight - 2, role: .muted) }

        // The value editor.
        let ey = r.y + formFields.count
        let valueSelected = c.field == .value
        let title = "\(valueSelected ? "▸" : " ") Value (\(c.valueType.rawValue))"
        g.put(title, x: r.x, y: ey, role: valueSelected ? .title : .text)
        let pos = " line \(c.value.row + 1), col \(c.value.column + 1) "
        let ruleX = r.x + title.displayWidth + 1
        g.put(String(repeating: "─", count: max(0, r.width - ruleX - pos.displayWidth - 1)), x: ruleX, y: ey, role: .border)
        g.put(pos, x: r.right - pos.displayWidth - 1, y: ey, role: .muted)

        let editorTop = ey + 1
        let editorRows = max(1, r.bottom - 1 - editorTop)
        let lines = c.value.lines
        let first = max(0, c.value.row - editorRows + 1)
        let gutter = 5
        let textWidth = r.width - gutter - 1
        for i in 0..<editorRows {
            let n = first + i
            let y = editorTop + i
            guard n < lines.count else {
                g.put("    ~", x: r.x, y: y, role: .muted)
                continue
            }
            g.put(String(n + 1).leftPadded(toWidth: 4) + " ", x: r.x, y: y, role: .muted)
            let text = String(lines[n])
            // Keep the cursor visible on long lines by scrolling horizontally.
            var offset = 0
            if n == c.value.row, c.editing, valueSelected, c.value.column >= textWidth { offset = c.value.column - textWidth + 1 }
            let shown = String(text.dropFirst(offset))
            g.put(shown, x: r.x + gutter, y: y, role: .text, maxWidth: textWidth)
            if let v = c.validation, c.validatedRevision == c.revision, case .invalid(let line, let column, _) = v, line == n + 1 {
                g.put("◂", x: r.right - 1, y: y, role: .error)
                // The spot itself, as typed: the character there (or the end of the line) in red.
                let at = column - 1 - offset
                if at >= 0, at <= shown.count {
                    let cx = r.x + gutter + String(shown.prefix(at)).displayWidth
                    if cx < r.x + gutter + textWidth {
                        if at < shown.count {
                            g.paint(x: cx, y: y, width: max(1, CellWidth.of(Array(shown)[at])), role: .errorMark)
                        } else {
                            g.put("◂", x: cx, y: y, role: .errorMark)
                        }
                    }
                }
            }
            if c.editing, valueSelected, n == c.value.row {
                drawCursor(text: shown, column: c.value.column - offset, x: r.x + gutter, y: y, into: &g)
            }
        }

        // Validation as you type.
        let vy = r.bottom - 1
        if c.validatedRevision != c.revision || c.validation == nil {
            g.put("  … validating", x: r.x, y: vy, role: .muted)
        } else if case .invalid(let line, let col, let message) = c.validation! {
            g.put("  ✖ \(line):\(col) \(message)", x: r.x, y: vy, role: .error, maxWidth: r.width)
        } else {
            g.put("  ✔ valid \(c.valueType.rawValue)", x: r.x, y: vy, role: .ok)
        }
    }

    /// The preview box's lines at this width: the record as it will be sent, wrapped.
    static func previewLines(_ s: ConsoleState) -> [String] {
        let formWidth = min(50, s.width / 2 + 4)
        let inner = s.width - formWidth - 2
        let text: [String]
        switch s.compose.preview {
        case nil: text = ["…"]
        case .failure(let f)?: text = [f.message]
        case .success(let record)?: text = RecordText.lines(record, transport: s.compose.mode)
        }
        return text.flatMap { hardWrap($0, width: inner) }
    }

    static func drawFieldValue(_ s: ConsoleState, _ f: ComposeField, x: Int, y: Int, width: Int, into g: inout Grid) {
        let c = s.compose
        func placeholder(_ text: String) { g.put(text, x: x, y: y, role: .muted, maxWidth: width) }
        let isStream = c.mode == .rest(.stream)
        switch f {
        case .type:
            var cx = x
            for t in ValueType.allCases {
                cx += g.put(t == c.valueType ? "[\(t.rawValue)]" : " \(t.rawValue) ", x: cx, y: y, role: t == c.valueType ? .text : .muted)
            }
        case .mode:
            var cx = x
            for m in Transport.allCases {
                cx += g.put(m == c.mode ? "[\(m.modeName)]" : " \(m.modeName) ", x: cx, y: y, role: m == c.mode ? .text : .muted)
            }
        default:
            guard let b = c[text: f] else { return }
            let editing = c.editing && c.field == f
            if b.isEmpty, !editing {
                switch f {
                case .topic: placeholder("(type a topic)")
                case .key: placeholder("(none)")
                case .headers: placeholder("(none)  name=value; name=value")
                case .partition: placeholder("(any)")
                case .rate: placeholder("(as fast as possible)")
                case .window: placeholder(isStream ? "(adapts to the path)" : "(adapts; stream only)")
                default: placeholder("")
                }
            } else {
                let role: Role = f == .window && !isStream ? .muted : .text
                var used = g.put(b.text, x: x, y: y, role: role, maxWidth: width)
                if editing { drawCursor(text: b.text, column: b.column, x: x, y: y, into: &g) }
                if f == .topic {
                    used += 1
                    if let full = s.fullTopic, full != b.text {
                        g.put("→ " + full, x: x + used, y: y, role: .muted, maxWidth: width - used)
                    } else if let e = s.topicError {
                        g.put("✖ " + e, x: x + used, y: y, role: .error, maxWidth: width - used)
                    }
                }
            }
            if f == .window, !isStream, !editing, !b.isEmpty {
                let note = " (stream only)"
                g.put(note, x: x + b.text.displayWidth, y: y, role: .muted, maxWidth: max(0, width - b.text.displayWidth))
            }
        }
    }

    /// The cursor is a reversed cell, so the screen shows it wherever the hardware cursor is.
    static func drawCursor(text: String, column: Int, x: Int, y: Int, into g: inout Grid) {
        let prefix = String(text.prefix(column))
        let cx = x + prefix.displayWidth
        guard cx < g.width, y < g.height else { return }
        let cell = g[cx, y]
        if column >= text.count || cell.character == " " {
            g.put("▏", x: cx, y: y, role: .selection)
        } else {
            g.paint(x: cx, y: y, width: max(1, CellWidth.of(cell.character)), role: .selection)
        }
    }
}
