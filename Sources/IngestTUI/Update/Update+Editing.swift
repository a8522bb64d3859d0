import IngestModel

extension Update {
    // MARK: editing

    /// Keys while a Compose field is being edited. No printable key is a command here: Tab and
    /// Shift-Tab move to the next and previous field and stay in editing; Esc (or Enter in a
    /// one-line field) ends it.
    static func handleComposeEditing(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        let field = s.compose.field
        switch key {
        case .escape:
            s.compose.editing = false
            return []
        case .tab, .backTab:
            let n = ComposeField.allCases.count
            s.compose.field = ComposeField(rawValue: (field.rawValue + (key == .tab ? 1 : n - 1)) % n)!
            return []
        default: break
        }
        guard var buffer = s.compose[text: field] else { return handleChoiceEditing(&s, key) }
        if key == .enter, !buffer.multiline {
            s.compose.editing = false
            return []
        }
        let before = buffer.text
        guard edit(&buffer, key) else { return [] }
        s.compose[text: field] = buffer
        return buffer.text == before ? [] : composeFieldChanged(&s, field)
    }

    /// Type and Mode while editing: Space or the arrows change the choice, Enter ends; other
    /// keys do nothing (they are not commands while a field is being edited).
    static func handleChoiceEditing(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        let step: Int
        switch key {
        case .enter:
            s.compose.editing = false
            return []
        case .char(" "), .right, .down: step = 1
        case .left, .up: step = -1
        case .char:
            setStatus(&s, "\(s.compose.field.label) is a choice: Space or ←/→ change it, Tab moves on, Esc ends editing", .muted)
            return []
        default: return []
        }
        if s.compose.field == .type {
            s.compose.valueType = cycle(ValueType.allCases, s.compose.valueType, by: step)
            return refreshCompose(&s)
        }
        s.compose.mode = cycle(Transport.allCases, s.compose.mode, by: step)
        return []
    }

    static func cycle<T: Equatable>(_ all: [T], _ current: T, by step: Int) -> T {
        let i = all.firstIndex(of: current) ?? 0
        return all[((i + step) % all.count + all.count) % all.count]
    }

    /// What follows an edit of a Compose field: the topic resolved, the value checked again.
    static func composeFieldChanged(_ s: inout ConsoleState, _ field: ComposeField) -> [Effect] {
        switch field {
        case .topic: return resolveTopic(&s)
        case .value, .key, .headers, .partition: return refreshCompose(&s)
        default: return []
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

    /// Checks the value at once (a pure rule of the model) and asks for a preview of record 1.
    static func refreshCompose(_ s: inout ConsoleState) -> [Effect] {
        s.compose.revision += 1
        let e = composedEvent(s.compose)
        s.compose.validation = e.check()
        s.compose.validatedRevision = s.compose.revision
        return [.preview(revision: s.compose.revision, e)]
    }

    /// The full topic for what Compose's Topic field holds, under the active profile's prefix.
    /// A Doctor view waiting for the topic runs once it is known.
    static func resolveTopic(_ s: inout ConsoleState) -> [Effect] {
        s.fullTopic = nil
        s.topicError = nil
        let t = s.compose.topic.text
        if let p = s.active, !t.isEmpty {
            do { s.fullTopic = try p.fullTopic(t) } catch { s.topicError = "\(error)" }
        }
        if s.doctor.waiting, s.view == .doctor, s.activating == nil { return startDoctor(&s) }
        return []
    }

    public static func composedEvent(_ c: ComposeState) -> EventTemplate {
        let key = c.key.text
        let headers: [HeaderTemplate] = c.headers.text.split(separator: ";").compactMap { part in
            let p = part.trimmingSpaces
            guard !p.isEmpty else { return nil }
            if let eq = p.firstIndex(of: "=") {
                return HeaderTemplate(name: String(p[..<eq]).trimmed, value: String(p[p.index(after: eq)...]).trimmed)
            }
            return HeaderTemplate(name: p, value: "")
        }
        return EventTemplate(
            valueType: c.valueType, value: c.value.text, key: key.isEmpty ? nil : key,
            headers: headers, partition: Int(c.partition.text.trimmed))
    }
}
