import IngestModel

extension Update {
    // MARK: modals

    static func handleModalKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        guard let modal = s.modal else { return [] }
        switch modal {
        case .reason, .confirmIdle: return handleGuardKey(&s, key)
        case .savedSends, .saveSend: return handleSavedKey(&s, key)
        case .copyAs, .importCurl: return handleCopyKey(&s, key)
        case .confirmProduction(var input, let pending, _):
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "production send cancelled: nothing sent", .warning)
            case .enter:
                if input.text == pending.topic {
                    s.modal = nil
                    s.productionTypedTopics.insert(pending.topic)
                    return startSend(&s, pending)
                }
                s.modal = .confirmProduction(input: TextBuffer(""), pending: pending, error: "\"\(input.text)\" is not the topic; nothing sent")
            default:
                if edit(&input, key) { s.modal = .confirmProduction(input: input, pending: pending, error: nil) }
            }
        case .confirmProductionSingle(let pending):
            // Default No: only y sends.
            switch defaultNo(key) {
            case true?:
                s.modal = nil
                return startSend(&s, pending)
            case false?:
                s.modal = nil
                setStatus(&s, "production send cancelled: nothing sent", .warning)
            case nil: break
            }
        case .confirmQuit(let id):
            switch defaultNo(key) {
            case true?:
                s.modal = nil
                return quit(&s, force: true)
            case false?:
                s.modal = nil
                setStatus(&s, "still running send #\(id); x stops it", .muted)
            case nil: break
            }
        case .secret(let profile, let asking, var answered, var input):
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "no secret given: \(profile) not activated", .warning)
            case .enter:
                guard !input.text.isEmpty else {
                    setStatus(&s, "nothing typed: type the \(asking[0].title), or Esc to cancel", .warning)
                    return []
                }
                answered[asking[0]] = input.text
                let rest = Array(asking.dropFirst())
                guard rest.isEmpty else {
                    s.modal = .secret(profile: profile, asking: rest, answered: answered, input: TextBuffer(""))
                    return []
                }
                s.modal = nil
                s.activating = profile
                return [.activate(profile: profile, prompted: answered)]
            default:
                if edit(&input, key) { s.modal = .secret(profile: profile, asking: asking, answered: answered, input: input) }
            }
        case .confirmResend(let id, let seqs):
            switch key {
            case .char("y"), .char("Y"):
                s.modal = nil
                guard let rec = s.sends.first(where: { $0.id == id }) else { return [] }
                // A re-send goes where the send went, never to whatever is active now.
                guard rec.request.profile == s.active?.name, rec.request.topic == s.fullTopic else {
                    setStatus(&s, "send #\(id) went to \(rec.request.topic) with profile \(rec.request.profile): make both active to re-send; nothing sent", .error)
                    return []
                }
                return [.fetchRecords(sendID: id, seqs: seqs, purpose: .resend)]
            case .char("n"), .char("N"), .escape:
                s.modal = nil
                setStatus(&s, "re-send cancelled: nothing sent", .muted)
            default: break
            }
        }
        return []
    }

    /// The answer to a y/N question whose default is No: y is yes; n, Esc and Enter are no;
    /// any other key is no answer yet.
    static func defaultNo(_ key: Key) -> Bool? {
        switch key {
        case .char("y"), .char("Y"): true
        case .char("n"), .char("N"), .escape, .enter: false
        default: nil
        }
    }

    /// Line editing shared by fields and prompts. Returns whether the key was an edit.
    static func edit(_ b: inout TextBuffer, _ key: Key) -> Bool {
        switch key {
        case .char(let c): b.insert(c)
        case .enter where b.multiline: b.insert("\n")
        case .backspace: b.backspace()
        case .delete: b.deleteForward()
        case .left: b.left()
        case .right: b.right()
        case .up: b.up()
        case .down: b.down()
        case .home, .ctrl("a"): b.home()
        case .end, .ctrl("e"): b.end()
        case .ctrl("u"): b.deleteToLineStart()
        case .ctrl("k"): b.deleteToLineEnd()
        case .ctrl("w"): b.deleteWordBackward()
        default: return false
        }
        return true
    }
}
