import IngestModel

extension Update {
    // MARK: copy as curl / kcat / properties, and a curl command imported

    /// `c`: the send `s` would make here (Compose's, or Load's file), to copy as commands.
    /// Nothing is sent, so the limits and the production confirmation do not apply (as with
    /// `ingest send --print`).
    static func askCopyFormat(_ s: inout ConsoleState) -> [Effect] {
        let request: SendRequest?
        if s.view == .load {
            let path = s.load.path.text.trimmed
            guard !path.isEmpty else {
                setStatus(&s, "type a path first (Enter edits)", .warning)
                return []
            }
            request = buildRequest(&s, source: .file(path: path, format: .auto, valueType: .json), fromCompose: false)
        } else {
            request = buildRequest(&s, source: .template(composedEvent(s.compose), count: parsePositive(s.compose.count.text) ?? 0), fromCompose: true)
        }
        guard let request else { return [] }
        s.modal = .copyAs(pending: request)
        return []
    }

    /// `i`: a box to paste a curl command into (the guide's, or what `--print curl` wrote).
    static func askCurl(_ s: inout ConsoleState) -> [Effect] {
        s.modal = .importCurl(input: TextBuffer("", multiline: true), error: nil)
        return []
    }

    static func handleCopyKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        switch s.modal {
        case .copyAs(let pending)?:
            if key == .escape {
                s.modal = nil
                return []
            }
            guard case .char(let c) = key, let format = CopyFormat.allCases.first(where: { $0.key == c }) else { return [] }
            s.modal = nil
            setStatus(&s, "writing the send as \(format.title)…", .muted)
            return [.copyAs(format, profile: pending.profile, plan: pending.plan)]
        case .importCurl(var input, _)?:
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "nothing imported", .muted)
            case .enter:
                // Enter imports; a pasted command keeps its own line breaks.
                return importCurl(&s, input.text)
            default:
                if edit(&input, key) { s.modal = .importCurl(input: input, error: nil) }
            }
        default: break
        }
        return []
    }

    /// The curl command read by the model's `CurlImport` into Compose; its API key is never taken.
    static func importCurl(_ s: inout ConsoleState, _ text: String) -> [Effect] {
        let imported: CurlImport.Imported
        do {
            imported = try CurlImport.parse(text)
        } catch {
            if case .importCurl(let input, _)? = s.modal { s.modal = .importCurl(input: input, error: "\(error)") }
            return []
        }
        s.modal = nil
        let (draft, notes) = ComposeDraft.from(saved: imported.send)
        let all = imported.notes + notes
        return putBack(&s, draft, what: "the curl command", profile: nil, note: all.isEmpty ? nil : all.joined(separator: "; "))
    }

    static func copyRendered(_ s: inout ConsoleState, _ format: CopyFormat, _ result: Result<String, ServiceFailure>) -> [Effect] {
        switch result {
        case .success(let text):
            return [.copy(text: text, what: "the send as \(format.title)")]
        case .failure(let f):
            setStatus(&s, "copy as \(format.rawValue): \(f.message)", .error)
            return []
        }
    }
}
