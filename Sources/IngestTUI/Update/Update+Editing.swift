import IngestModel

extension Update {
    // MARK: editing

    static func handleComposeEditing(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        let field = s.compose.field
        guard var buffer = s.compose[text: field] else {
            s.compose.editing = false
            return []
        }
        switch key {
        case .escape:
            s.compose.editing = false
            return []
        case .enter where !buffer.multiline:
            s.compose.editing = false
            return []
        case .tab:
            s.compose.editing = false
            s.compose.field = ComposeField(rawValue: min(field.rawValue + 1, ComposeField.allCases.count - 1))!
            return []
        default:
            let before = buffer.text
            guard edit(&buffer, key) else { return [] }
            s.compose[text: field] = buffer
            guard buffer.text != before else { return [] }
            switch field {
            case .topic: return resolveTopic(&s)
            case .value, .key, .headers, .partition: return refreshCompose(&s)
            default: return []
            }
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
