import IngestModel

extension Update {
    // MARK: saved sends (the files of `ingest send --saved`)

    /// `o`: the saved sends, listed afresh (the files may have changed, say by a git pull).
    static func openSaved(_ s: inout ConsoleState) -> [Effect] {
        s.modal = .savedSends(query: TextBuffer(""), selection: 0)
        return [.loadSavedSends]
    }

    /// The saved sends whose name, summary or data hold every word of `query` (any case).
    public static func matchingSaved(_ s: ConsoleState, query: String) -> [SavedSendItem] {
        let words = query.lowercased().split(separator: " ")
        return (s.savedSends?.items ?? []).filter { item in
            let text = item.searchText
            return words.allSatisfy { text.contains($0) }
        }
    }

    static func savedSendsLoaded(_ s: inout ConsoleState, _ list: SavedSendList) -> [Effect] {
        s.savedSends = list
        if case .savedSends(let query, let selection)? = s.modal {
            let count = matchingSaved(s, query: query.text).count
            s.modal = .savedSends(query: query, selection: min(selection, max(0, count - 1)))
        }
        return []
    }

    /// `w`: Compose (or, in Load, its file) to save by name.
    static func askSaveName(_ s: inout ConsoleState) -> [Effect] {
        switch s.view == .load ? savedSend(load: s) : savedSend(compose: s.compose) {
        case .success(let send):
            s.modal = .saveSend(name: TextBuffer(""), send: send, replace: false, error: nil)
            // Listed, so that the question says where it goes.
            return s.savedSends == nil ? [.loadSavedSends] : []
        case .failure(let f):
            setStatus(&s, "not saved: \(f.message)", .error)
            return []
        }
    }

    static func handleSavedKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        switch s.modal {
        case .savedSends(var query, var selection)?:
            let matches = matchingSaved(s, query: query.text)
            switch key {
            case .escape:
                s.modal = nil
                return []
            case .enter:
                guard matches.indices.contains(selection) else {
                    setStatus(&s, s.savedSends == nil ? "still reading the saved sends" : "no saved send matches", .muted)
                    return []
                }
                s.modal = nil
                return loadSaved(&s, matches[selection])
            case .up: selection = max(0, selection - 1)
            case .down: selection = min(max(0, matches.count - 1), selection + 1)
            case .pageUp: selection = max(0, selection - 5)
            case .pageDown: selection = min(max(0, matches.count - 1), selection + 5)
            default:
                // Every other key edits the search: no letter here is a command.
                guard edit(&query, key) else { return [] }
                selection = 0
            }
            s.modal = .savedSends(query: query, selection: selection)
        case .saveSend(var name, let send, let replace, _)?:
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "not saved", .muted)
            case .enter:
                let text = name.text.trimmed
                do { try SavedSend.checkName(text) } catch {
                    s.modal = .saveSend(name: name, send: send, replace: false, error: "\(error)")
                    return []
                }
                return [.saveSend(name: text, send, replace: replace)]
            default:
                // A changed name is a new question: replacing is asked again.
                if edit(&name, key) { s.modal = .saveSend(name: name, send: send, replace: false, error: nil) }
            }
        default: break
        }
        return []
    }

    /// A saved send into Compose (a file's into Load), to edit and send; what the console does
    /// not use of it is said.
    static func loadSaved(_ s: inout ConsoleState, _ item: SavedSendItem) -> [Effect] {
        switch item.result {
        case .success(let send):
            let (draft, notes) = ComposeDraft.from(saved: send)
            return putBack(&s, draft, what: "saved send \(item.name)", profile: nil, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
        case .failure(let f):
            setStatus(&s, "saved send \(item.name) cannot be used: \(f.message)", .error)
            return []
        }
    }

    static func sendSaved(_ s: inout ConsoleState, name: String, _ result: Result<SaveOutcome, ServiceFailure>) -> [Effect] {
        let asking: SavedSend?
        if case .saveSend(let field, let send, _, _)? = s.modal, field.text.trimmed == name { asking = send } else { asking = nil }
        switch result {
        case .success(.saved(let path)):
            if asking != nil { s.modal = nil }
            setStatus(&s, "saved \(name): \(path) (ingest send --saved \(name) --profile PROFILE sends it too)", .ok)
            return [.loadSavedSends]
        case .success(.exists(let path)):
            guard let send = asking else { return [] }
            s.modal = .saveSend(name: TextBuffer(name), send: send, replace: true, error: "\(path) exists: Enter again replaces it, or change the name")
        case .failure(let f):
            guard let send = asking else {
                setStatus(&s, "not saved: \(f.message)", .error)
                return []
            }
            s.modal = .saveSend(name: TextBuffer(name), send: send, replace: false, error: f.message)
        }
        return []
    }
}
