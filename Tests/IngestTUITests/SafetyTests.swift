import ConsolePreview
import IngestModel
import Testing
@testable import IngestTUI

/// Issue 14, items 1 and 2: no stray keystroke or paste sends, and every production send is
/// confirmed on its own.
@Suite struct StrayKeyTests {
    typealias U = UpdateTests

    /// The issue's case: Key, Enter, `k1`, Tab, `src=test`. Tab moves on and stays in editing,
    /// so the letters go into Headers instead of sending (s), changing the type (t) or
    /// filtering (e).
    @Test func tabMovesToTheNextFieldAndStaysInEditing() {
        var s = U.dev()
        s.compose.field = .key
        let (s2, e) = U.keys(s, [.enter] + Key.typing("k1") + [.tab] + Key.typing("src=test"))
        #expect(U.sends(e).isEmpty)
        #expect(s2.compose.key.text == "k1")
        #expect(s2.compose.headers.text == "src=test")
        #expect(s2.compose.field == .headers && s2.compose.editing)
        #expect(s2.compose.valueType == s.compose.valueType)
        #expect(!s2.reportsUI.problemsOnly && s2.view == .compose)
        // Shift-Tab goes back, still editing; Esc ends it, and only then is `s` a command.
        let (s3, e3) = U.keys(s2, [.backTab] + Key.typing("2") + [.escape])
        #expect(U.sends(e3).isEmpty && s3.compose.key.text == "k12" && !s3.compose.editing)
        #expect(U.sends(U.keys(s3, [.char("s")]).1).count == 1)
    }

    /// Tab from the last field wraps to the first; the choice fields take Space and arrows,
    /// and letters there are not commands either.
    @Test func choiceFieldsWhileEditing() {
        var s = U.dev()
        s.compose.field = .partition
        let (s2, e) = U.keys(s, [.enter, .tab] + Key.typing("sqtme?") + [.char(" ")])
        #expect(U.sends(e).isEmpty && !s2.quitting && !s2.showHelp)
        #expect(s2.compose.field == .mode && s2.compose.editing)
        #expect(s2.compose.mode == .rest(.batch))
        let (s3, _) = U.keys(s2, [.left, .left])
        #expect(s3.compose.mode == .native)
        var v = U.dev()
        v.compose.field = .value
        let (wrapped, _) = U.keys(v, [.enter, .tab])
        #expect(wrapped.compose.field == .topic && wrapped.compose.editing)
    }

    @Test func lineEditingKeys() {
        var b = TextBuffer("alpha beta gamma")
        b.left(); b.left()
        b.deleteWordBackward()
        #expect(b.text == "alpha beta ma")
        b.deleteToLineStart()
        #expect(b.text == "ma" && b.column == 0)
        b.end()
        b.home()
        b.deleteToLineEnd()
        #expect(b.text.isEmpty)
        var s = U.dev()
        s.compose.field = .key
        let (s2, _) = U.keys(s, [.enter] + Key.typing("one two") + [.ctrl("w")] + Key.typing("2") + [.ctrl("a")] + Key.typing(">") + [.ctrl("e")] + Key.typing("<"))
        #expect(s2.compose.key.text == ">one 2<")
        let (s3, _) = U.keys(s2, [.ctrl("u")])
        #expect(s3.compose.key.text.isEmpty)
    }

    /// A paste while no field is edited goes into the selected field (and edits it); it never
    /// runs as keys.
    @Test func pasteGoesIntoTheFocusedField() {
        var s = U.dev()
        s.compose.field = .key
        let (s2, e) = update(s, .paste("xyz s"))
        #expect(U.sends(e).isEmpty)
        #expect(s2.compose.key.text == "xyz s" && s2.compose.editing)
        // A trailing newline does not end up in a one-line field; inner ones become spaces.
        var t = U.dev()
        t.compose.field = .topic
        t.compose.topic.setText("")
        let (t2, _) = update(t, .paste("players\r\n"))
        #expect(t2.compose.topic.text == "players" && t2.fullTopic == "ing-staging-players")
        // The value keeps its lines.
        var v = U.dev()
        v.compose.field = .value
        v.compose.value.setText("")
        let (v2, _) = update(v, .paste("{\"a\": 1,\r\n \"b\": 2}"))
        #expect(v2.compose.value.text == "{\"a\": 1,\n \"b\": 2}" && v2.compose.validation == .ok)
    }

    @Test func pasteIsRefusedWhereNoFieldTakesIt() {
        for view in [ViewID.reports, .profiles, .history, .doctor, .discovery] {
            var s = U.dev()
            s.view = view
            let (s2, e) = update(s, .paste("xyz s q"))
            #expect(e.isEmpty, "\(view)")
            #expect(s2.view == view && !s2.quitting)
            #expect(s2.status?.text.hasPrefix("paste ignored") == true)
        }
        var s = U.dev()
        s.compose.field = .mode
        let (s2, e) = update(s, .paste("s"))
        #expect(e.isEmpty && s2.compose.mode == .rest(.single) && s2.status?.text.contains("choice") == true)
    }

    @Test func pasteIntoLoadAndPrompts() {
        var s = U.dev()
        s.view = .load
        let (s2, _) = update(s, .paste("/tmp/x.jsonl\n"))
        #expect(s2.load.path.text == "/tmp/x.jsonl" && s2.load.editing)
        let (asked, _) = U.keys(U.production(), [.char("s")])
        let (pasted, e) = update(asked, .paste("ing-production-players"))
        #expect(e.isEmpty)
        #expect(U.sends(U.keys(pasted, [.enter]).1).count == 1)
    }

    /// Bracketed paste markers around the text make one paste message; keys inside it are
    /// dropped, and keys outside it stay keys.
    @Test func bracketedPasteDecoding() {
        var d = InputDecoder(pasteBegin: 1001, pasteEnd: 1002)
        #expect(d.character(UInt32(UInt8(ascii: "s"))) == .key(.char("s")))
        #expect(d.code(1001, key: NCursesBackend.key(code:)) == nil)
        var out: [Msg] = []
        for c in "ab s\r\nq".unicodeScalars { if let m = d.character(c.value) { out.append(m) } }
        if let m = d.code(259, key: { _ in .up }) { out.append(m) }  // a pasted escape sequence
        #expect(out.isEmpty)
        #expect(d.code(1002, key: NCursesBackend.key(code:)) == .paste("ab s\r\nq"))
        #expect(d.character(UInt32(UInt8(ascii: "q"))) == .key(.char("q")))
    }
}

@Suite struct ProductionConfirmTests {
    typealias U = UpdateTests

    static func confirmed(_ s: ConsoleState) -> (ConsoleState, [Effect]) {
        U.keys(s, [.char("s")] + Key.typing("ing-production-players") + [.enter])
    }

    /// Each send to production asks again, even to the topic just typed back.
    @Test func everySendIsConfirmed() {
        var (s, e) = Self.confirmed(U.production())
        #expect(U.sends(e).count == 1)
        s = update(s, .sendEnded(id: 1)).0
        s.view = .compose
        let (again, e2) = U.keys(s, [.char("s")])
        #expect(U.sends(e2).isEmpty)
        guard case .confirmProduction(_, let pending, _)? = again.modal else {
            Issue.record("the second send was not asked for")
            return
        }
        #expect(pending.id == 2)
        let (_, e3) = U.keys(again, Key.typing("ing-production-players") + [.enter])
        #expect(U.sends(e3).map(\.id) == [2])
    }

    /// The confirmation shows what will go: topic, records, source and mode.
    @Test func theConfirmationSaysWhatWillGo() {
        var s = U.production()
        s.compose.mode = .rest(.batch)
        s.compose.count.setText("2000")
        s.compose.rate.setText("20")
        let (asked, _) = U.keys(s, [.char("s")])
        let screen = Render.screen(asked).textLines().joined(separator: "\n")
        for text in ["ing-production-players", "2000 records", "composed in Compose", "batch, at most 20/s"] {
            #expect(screen.contains(text), "\(text) missing:\n\(screen)")
        }
    }

    /// `production_confirm = "typed-first"`: after the topic was typed once, a single record asks
    /// y/N (default No); anything bigger asks for the topic again.
    @Test func typedFirstRelaxesSingleRecordsOnly() {
        var s = U.production()
        s.active?.productionConfirm = .typedFirst
        var (t, e) = Self.confirmed(s)
        #expect(U.sends(e).count == 1)
        t = update(t, .sendEnded(id: 1)).0
        t.view = .compose
        let (asked, _) = U.keys(t, [.char("s")])
        #expect(asked.modal == .confirmProductionSingle(pending: SendRequest(id: 2, profile: "prod", plan: U.sends(e)[0].plan, records: 1)))
        for no in [Key.enter, .escape, .char("n")] {
            let (n, eNo) = U.keys(asked, [no])
            #expect(U.sends(eNo).isEmpty && n.modal == nil)
        }
        let (ignored, eOther) = U.keys(asked, Key.typing("sx1"))
        #expect(U.sends(eOther).isEmpty && ignored.modal == asked.modal)
        #expect(U.sends(U.keys(asked, [.char("y")]).1).map(\.id) == [2])
        // Five records: the topic again.
        t.compose.count.setText("5")
        guard case .confirmProduction? = U.keys(t, [.char("s")]).0.modal else {
            Issue.record("five records must ask for the topic")
            return
        }
        // A new session (another profile and back) forgets what was typed.
        var u = update(t, .activated(profile: "dev", .success(ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)))).0
        u = update(u, .activated(profile: "prod", .success(s.active!))).0
        u.compose.count.setText("1")
        guard case .confirmProduction? = U.keys(u, [.char("1"), .char("s")]).0.modal else {
            Issue.record("a single record after switching profiles must ask for the topic")
            return
        }
    }

    /// Too small to show the question: typing the topic and Enter blind sends nothing.
    @Test func nothingIsConfirmedBlind() {
        var (asked, _) = U.keys(U.production(), [.char("s")])
        asked = update(asked, .resize(width: 60, height: 20)).0
        let (blind, e) = U.keys(asked, Key.typing("ing-production-players") + [.enter])
        #expect(U.sends(e).isEmpty)
        let (back, e2) = U.keys(update(blind, .resize(width: 80, height: 24)).0, [.enter])
        #expect(U.sends(e2).isEmpty, "the blind typing was kept")
        guard case .confirmProduction(let input, _, _)? = back.modal else {
            Issue.record("the question is still open")
            return
        }
        #expect(input.text.isEmpty)
    }

    /// Files and re-sends are confirmed too.
    @Test func fileSendsAreConfirmed() {
        var s = U.production()
        s.view = .load
        s.load.path.setText("/data/events.jsonl")
        let (asked, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).isEmpty)
        guard case .confirmProduction(_, let pending, _)? = asked.modal else {
            Issue.record("a file send to production was not asked for")
            return
        }
        #expect(pending.plan.source == .file(path: "/data/events.jsonl", format: .auto, valueType: .json))
    }

    /// A confirmation waiting when the active profile changes is dropped: it was for another.
    @Test func profileChangeDropsAWaitingConfirmation() {
        let (asked, _) = U.keys(U.production(), [.char("s")])
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        let (s, e) = update(asked, .activated(profile: "dev", .success(dev)))
        #expect(s.modal == nil && e.allSatisfy { if case .send = $0 { false } else { true } })
        #expect(U.sends(U.keys(s, Key.typing("ing-production-players") + [.enter]).1).isEmpty)
    }

    /// A signal quits without asking, waits for the records in flight, but not forever.
    @Test func signalQuitsAfterTheRecordsInFlightOrTheDeadline() {
        var (s, _) = Self.confirmed(U.production())
        s = update(s, .tick(now: 100)).0
        s = update(s, .sendEvents(id: 1, [.reports([], sent: 1)], now: 100)).0
        let (draining, e) = update(s, .terminate)
        #expect(e == [.cancelSend(id: 1)] && draining.modal == nil && !draining.quitting)
        let (still, e1) = update(draining, .tick(now: 105))
        #expect(e1.isEmpty && !still.quitting)
        let (late, e2) = update(still, .tick(now: 100 + Update.quitDrainSeconds))
        #expect(late.quitting && e2.last == .quit)
        // Keys while quitting do nothing, but q quits at once.
        let (_, eS) = U.keys(draining, [.char("1"), .char("s")])
        #expect(U.sends(eS).isEmpty)
        #expect(U.keys(draining, [.char("q")]).0.quitting)
    }
}

/// Item 4: error text is never lost to the width of a line.
@Suite struct FullMessageTests {
    @Test func aLongStatusSaysWhereToReadItAndBangShowsItWhole() {
        var s = UpdateTests.dev()
        let long = "send #1 failed: This server does not host this topic-partition. (topic ing-staging-nosuch does not exist: topics are created by the platform, ask Future Anthem for it)"
        Update.setStatus(&s, long, .error)
        let line = Render.screen(s).line(22)
        #expect(line.hasSuffix("(! more)"), "\(line)")
        let (shown, _) = UpdateTests.keys(s, [.char("!")])
        let screen = Render.screen(shown).textLines().joined(separator: " ")
        let words = screen.split(separator: " ").joined(separator: " ")
        #expect(words.contains("ask Future Anthem for it"), "\(screen)")
        #expect(words.contains("topics are created by the platform,"))
        let (closed, e) = UpdateTests.keys(shown, [.char("s")])
        #expect(!closed.showMessages && UpdateTests.sends(e).isEmpty)
    }
}

/// Item 5 on screen: the editor marks the spot of a JSON error as typed.
@Suite struct ErrorSpotTests {
    @Test func theEditorMarksTheSpot() {
        var s = UpdateTests.dev()
        s.compose.value.setText(#"{"a": "{{uuid}}", "b": tru}"#)
        _ = Update.refreshCompose(&s)
        #expect(s.compose.validation == .invalid(line: 1, column: 24, message: "expected true, found '}'"))
        let g = Render.screen(s)
        let row = (0..<g.height).first { g.line($0).contains(#"{"a": "{{uuid}}""#) }!
        let x = g.line(row).distance(from: g.line(row).startIndex, to: g.line(row).range(of: "tru}")!.lowerBound)
        #expect(g[x, row].role == .errorMark)
        #expect(g[x - 1, row].role != .errorMark)
        #expect(g.line(g.height - 3).contains("1:24"))
    }
}
