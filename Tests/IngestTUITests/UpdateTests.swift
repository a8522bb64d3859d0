import ConsolePreview
import IngestModel
import Testing
@testable import IngestTUI

/// Key sequences -> state -> effects, through the pure update function (no services).
@Suite struct UpdateTests {
    /// A production session with the topic resolved, built from messages only.
    static func production(topic: String = "ing-production-players") -> ConsoleState {
        var (s, _) = Update.start(initialProfile: "prod")
        let prod = ProfileSummary(name: "prod", environment: .production, source: "test", topicPrefix: "ing-production-", baseURL: "https://x/v3", maskedAPIKey: "PR…", needsPromptedSecret: false)
        s = update(s, .profilesLoaded([prod])).0
        s = update(s, .activated(profile: "prod", .success(prod))).0
        s.compose.topic.setText(topic)
        _ = Update.resolveTopic(&s)
        return s
    }

    /// Compose's topic set to `topic` and resolved under the active profile.
    static func setTopic(_ s: inout ConsoleState, _ topic: String) {
        s.compose.topic.setText(topic)
        _ = Update.resolveTopic(&s)
    }

    static func keys(_ s: ConsoleState, _ keys: [Key]) -> (ConsoleState, [Effect]) {
        var state = s
        var effects: [Effect] = []
        for k in keys {
            let (n, e) = update(state, .key(k))
            state = n
            effects += e
        }
        return (state, effects)
    }

    /// Effects other than reading and keeping drafts.
    static func withoutDrafts(_ effects: [Effect]) -> [Effect] {
        effects.filter { switch $0 { case .loadDraft, .saveDraft: false; default: true } }
    }

    static func sends(_ effects: [Effect]) -> [SendRequest] {
        effects.compactMap { if case .send(let r) = $0 { return r } else { return nil } }
    }

    @Test func startLoadsProfilesAndValidates() {
        let (s, e) = Update.start(initialProfile: "dev")
        #expect(e.first == .loadProfiles)
        #expect(e.contains { if case .preview = $0 { return true } else { return false } })
        #expect(s.compose.validation == .ok)
        #expect(s.active == nil)
    }

    @Test func productionSendWithoutConfirmationSendsNothing() {
        let (s, e) = Self.keys(Self.production(), [.char("s")])
        #expect(Self.sends(e).isEmpty)
        guard case .confirmProduction? = s.modal else {
            Issue.record("expected the production confirmation")
            return
        }
        // Escape cancels: still nothing.
        let (s2, e2) = Self.keys(s, [.escape])
        #expect(Self.sends(e2).isEmpty)
        #expect(s2.modal == nil)
        #expect(s2.productionTypedTopics.isEmpty)
    }

    @Test func productionWrongTopicSendsNothing() {
        let (s, e) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-player") + [.enter])
        #expect(Self.sends(e).isEmpty)
        guard case .confirmProduction(_, _, let error)? = s.modal else {
            Issue.record("the confirmation should stay open")
            return
        }
        #expect(error != nil)
        // The short name is not enough either.
        let (_, e2) = Self.keys(s, Key.typing("players") + [.enter])
        #expect(Self.sends(e2).isEmpty)
    }

    @Test func productionTypedTopicThenEnterSendsExactlyOnce() {
        let (s, e) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let sends = Self.sends(e)
        #expect(sends.count == 1)
        #expect(sends.first?.topic == "ing-production-players")
        #expect(sends.first?.profile == "prod")
        #expect(s.modal == nil)
        #expect(s.view == .reports)
        // The session's first send is confirmed; an Enter more does nothing.
        let (_, e2) = Self.keys(s, [.enter])
        #expect(Self.sends(e2).isEmpty)
    }

    @Test func productionAsksAgainForAnotherTopic() {
        var (s, _) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        s = update(s, .sendEnded(id: 1)).0
        Self.setTopic(&s, "other")
        s.view = .compose
        let (s2, e) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e).isEmpty)
        guard case .confirmProduction? = s2.modal else {
            Issue.record("a new topic needs its own confirmation")
            return
        }
    }

    /// What was typed back belongs to the profile it was typed for: after switching profiles,
    /// even to another production profile with the same topic, it is forgotten (it only ever
    /// relaxes `typed-first`; every send asks anyway).
    @Test func productionConfirmationIsClearedWhenTheProfileChanges() {
        var (s, e) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        #expect(Self.sends(e).count == 1)
        s = update(s, .sendEnded(id: 1)).0
        #expect(s.productionTypedTopics == ["ing-production-players"])

        let other = ProfileSummary(name: "prod-eu", environment: .production, source: "test", topicPrefix: "ing-production-", baseURL: "https://y/v3",
                                   maskedAPIKey: "EU…", needsPromptedSecret: false, productionConfirm: .typedFirst)
        s = update(s, .activated(profile: "prod-eu", .success(other))).0
        #expect(s.active?.name == "prod-eu")
        #expect(s.productionTypedTopics.isEmpty)
        Self.setTopic(&s, "players")
        #expect(s.fullTopic == "ing-production-players")
        s.view = .compose
        let (asked, e2) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e2).isEmpty, "a send went to prod-eu on prod's confirmation")
        guard case .confirmProduction? = asked.modal else {
            Issue.record("the new profile's first send must ask for the topic")
            return
        }
        // Re-activating the same profile (a refresh) keeps what was typed.
        var same = s
        same.productionTypedTopics = ["ing-production-players"]
        same = update(same, .activated(profile: "prod-eu", .success(other))).0
        #expect(same.productionTypedTopics == ["ing-production-players"])
    }

    @Test func nonProductionSendsAtOnce() {
        var (s, _) = Update.start(initialProfile: "dev")
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        s = update(s, .activated(profile: "dev", .success(dev))).0
        Self.setTopic(&s, "t")
        let (s2, e) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e).count == 1)
        #expect(Self.sends(e).first?.plan.transport == .rest(.single))
        #expect(Self.sends(e).first?.topic == "ing-staging-t")
        // A second send while the first runs is refused.
        let (_, e2) = Self.keys(s2, [.char("1"), .char("s")])
        #expect(Self.sends(e2).isEmpty)
    }

    /// A dev session with the topic resolved.
    static func dev(topic: String = "t") -> ConsoleState {
        var (s, _) = Update.start(initialProfile: "dev")
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        s = update(s, .profilesLoaded([dev])).0
        s = update(s, .activated(profile: "dev", .success(dev))).0
        setTopic(&s, topic)
        return s
    }

    @Test func invalidJSONBlocksSend() {
        var s = Self.production()
        s.compose.value.setText("{\"a\": 1,\n    \"b\" 2}")
        _ = Update.refreshCompose(&s)
        #expect(s.compose.validation == .invalid(line: 2, column: 9, message: "expected ':' after the key, found '2'"))
        let (s2, e) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e).isEmpty)
        #expect(s2.status?.text.contains("2:9") == true)
    }

    @Test func streamModeCarriesCountRateWindow() {
        var s = Self.dev()
        s.compose.mode = .rest(.stream)
        s.compose.count.setText("500")
        s.compose.rate.setText("25.5")
        s.compose.window.setText("8")
        let (_, e) = Self.keys(s, [.char("s")])
        let plan = Self.sends(e).first?.plan
        #expect(plan?.transport == .rest(.stream))
        #expect(plan?.options == SendOptions(ratePerSecond: 25.5, window: 8))
        #expect(plan?.source.knownCount == 500)
        s.compose.window.setText("0")
        let (_, e2) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e2).isEmpty)
        // Empty (the default): the window adapts to the path, or the profile's [stream] window.
        s.compose.window.setText("")
        let (_, e3) = Self.keys(s, [.char("s")])
        #expect(Self.sends(e3).first?.plan.options == SendOptions(ratePerSecond: 25.5, window: nil))
    }

    @Test func stopAndQuitCancelTheSend() {
        let (s, _) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let (s2, e) = Self.keys(s, [.char("x")])
        #expect(e == [.cancelSend(id: 1)])
        #expect(s2.runningSend == nil)
        // q while sending asks first; n keeps it running.
        let (asked, eAsk) = Self.keys(s, [.char("q")])
        #expect(eAsk.isEmpty && !asked.quitting)
        #expect(asked.modal == .confirmQuit(sendID: 1))
        let (kept, eKept) = Self.keys(asked, [.char("n")])
        #expect(eKept.isEmpty && kept.modal == nil && kept.runningSend?.id == 1)
        // y stops the send and waits for its records in flight before quitting.
        let (draining, eYes) = Self.keys(asked, [.char("y")])
        #expect(eYes == [.cancelSend(id: 1)])
        #expect(!draining.quitting && draining.drainingUntil != nil)
        let (quit, eEnd) = update(draining, .sendEnded(id: 1))
        #expect(quit.quitting && eEnd.last == .quit)
    }

    @Test func resendAsksFirstAndNeverByItself() {
        var (s, _) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let failed = DeliveryReport(seq: 1, outcome: .failed(code: 500, message: "x"))
        let ok = DeliveryReport(seq: 2, outcome: .delivered(partition: 0, offset: 1, timestamp: nil))
        let unknown = DeliveryReport(seq: 3, outcome: .unknown(message: "y"))
        var e: [Effect]
        (s, e) = update(s, .sendEvents(id: 1, [.reports([failed, ok, unknown], sent: 3), .finished(delivered: 1, failed: 1, unknown: 1, stopReason: nil)], now: 5))
        #expect(e.isEmpty)  // nothing is re-sent on its own
        (s, e) = update(s, .sendEnded(id: 1))
        #expect(e == [.loadHistory])  // the journal is listed again; nothing is sent
        let (asked, e1) = Self.keys(s, [.char("6"), .char("r")])
        #expect(e1.isEmpty)
        #expect(asked.modal == .confirmResend(sendID: 1, seqs: [1, 3]))
        let (_, eNo) = Self.keys(asked, [.char("n")])
        #expect(eNo.isEmpty)
        // Yes asks for the held records first, and sends them when they come.
        let (fetching, eYes) = Self.keys(asked, [.char("y")])
        #expect(eYes == [.fetchRecords(sendID: 1, seqs: [1, 3], purpose: .resend)])
        let records = [1: EventRecord(value: Payload(type: .json, data: Array("1".utf8))), 3: EventRecord(value: Payload(type: .json, data: Array("3".utf8)))]
        let (confirming, eFetched) = update(fetching, .recordsFetched(sendID: 1, purpose: .resend, records))
        // Production: the re-send is confirmed like any send.
        #expect(Self.sends(eFetched).isEmpty)
        let (_, eSend) = Self.keys(confirming, Key.typing("ing-production-players") + [.enter])
        #expect(Self.sends(eSend).count == 1)
        #expect(Self.sends(eSend).first?.plan.source == .records([records[1]!, records[3]!], origin: "resend:#1"))
    }

    /// A throttled send says so on the status line while it runs and when it ends: the
    /// operator sees why it slowed down.
    @Test func throttlingIsShownWhileRunningAndAtTheEnd() {
        var (s, _) = Self.keys(Self.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let ok = DeliveryReport(seq: 1, outcome: .delivered(partition: 0, offset: 1, timestamp: nil))
        s = update(s, .sendEvents(id: 1, [.reports([ok], sent: 2), .throttled(ThrottleSummary(times: 3, waitedSeconds: 1.5))], now: 1)).0
        #expect(s.sends.first?.throttle == ThrottleSummary(times: 3, waitedSeconds: 1.5))
        s = Self.keys(s, [.char("2")]).0
        let screen = Render.screen(s).textLines().joined(separator: "\n")
        #expect(screen.contains("send #1: throttled 3 times, waited 1.5 s"), "\(screen)")
        s = update(s, .sendEvents(id: 1, [.throttled(ThrottleSummary(times: 37, waitedSeconds: 8.1)),
                                          .reports([DeliveryReport(seq: 2, outcome: ok.outcome)], sent: 2),
                                          .finished(delivered: 2, failed: 0, unknown: 0, stopReason: nil)], now: 2)).0
        #expect(s.status?.text == "send #1 finished: 2 delivered, 0 failed, 0 unknown; throttled 37 times, waited 8.1 s", "\(s.status?.text ?? "")")
    }

    @Test func promptedSecretIsAskedAndPassedOnce() {
        var (s, _) = Update.start(initialProfile: "p")
        let p = ProfileSummary(name: "p", environment: .dev, source: "t", topicPrefix: "", baseURL: "u", maskedAPIKey: "(prompt)", needsPromptedSecret: true)
        var e: [Effect]
        (s, e) = update(s, .profilesLoaded([p]))
        #expect(e.isEmpty)
        let (s2, e2) = Self.keys(s, Key.typing("hunter2") + [.enter])
        #expect(e2 == [.activate(profile: "p", prompted: PromptedSecrets(apiKey: "hunter2"))])
        #expect(s2.modal == nil)  // the secret is not kept in the state afterwards
    }

    /// `kafka.password = "prompt"` too: asked after the API key, both passed on together once.
    @Test func promptedKafkaPasswordIsAskedAfterTheAPIKey() {
        var (s, _) = Update.start(initialProfile: "p")
        let p = ProfileSummary(name: "p", environment: .dev, source: "t", topicPrefix: "", baseURL: "u", maskedAPIKey: "(prompt)",
                               needsPromptedSecret: true, needsPromptedKafkaPassword: true)
        (s, _) = update(s, .profilesLoaded([p]))
        let (s0, e0) = Self.keys(s, [.enter])
        #expect(e0.isEmpty && s0.modal == s.modal, "an empty entry is not taken")
        let (s1, e1) = Self.keys(s, Key.typing("api-key-1") + [.enter])
        #expect(e1.isEmpty, "nothing is activated before both are typed")
        guard case .secret(_, let asking, let answered, let input) = s1.modal else {
            Issue.record("the Kafka password is asked next")
            return
        }
        #expect(asking == [.kafkaPassword] && answered.apiKey == "api-key-1" && input.text.isEmpty)
        let screen = Render.screen(s1).textLines().joined(separator: "\n")
        #expect(screen.contains("Kafka password for p") && screen.contains("kafka.password says prompt"))
        #expect(!screen.contains("api-key-1"), "a typed secret on screen:\n\(screen)")
        let (s2, e2) = Self.keys(s1, Key.typing("kafka-pass-2") + [.enter])
        #expect(e2 == [.activate(profile: "p", prompted: PromptedSecrets(apiKey: "api-key-1", kafkaPassword: "kafka-pass-2"))])
        #expect(s2.modal == nil)

        // Only the Kafka password says prompt: it alone is asked. Esc gives up activating.
        let q = ProfileSummary(name: "q", environment: .dev, source: "t", topicPrefix: "", baseURL: "u", maskedAPIKey: "AK…",
                               needsPromptedSecret: false, needsPromptedKafkaPassword: true)
        var (t, _) = Update.start(initialProfile: "q")
        (t, _) = update(t, .profilesLoaded([q]))
        guard case .secret(_, [.kafkaPassword], _, _) = t.modal else {
            Issue.record("the Kafka password alone is asked, got \(String(describing: t.modal))")
            return
        }
        let (t2, e3) = Self.keys(t, [.escape])
        #expect(e3.isEmpty && t2.modal == nil && t2.active == nil)
    }

    @Test func tooSmallOnlyQuits() {
        var s = Self.production()
        s = update(s, .resize(width: 79, height: 24)).0
        #expect(s.isTooSmall)
        let (_, e) = Self.keys(s, [.char("s"), .char("2")])
        #expect(e.isEmpty)
        #expect(Self.withoutDrafts(Self.keys(s, [.char("q")]).1) == [.quit])
    }

    @Test func editingKeepsLettersOutOfActions() {
        var s = Self.production()
        s.compose.field = .key
        let (s2, e) = Self.keys(s, [.enter] + Key.typing("sq?2") + [.escape])
        #expect(Self.sends(e).isEmpty)
        #expect(!s2.quitting && !s2.showHelp && s2.view == .compose)
        #expect(s2.compose.key.text == "sq?2")
    }

    @Test func followAndFilter() {
        var s = Self.production()
        let reports = (1...30).map { i in
            DeliveryReport(seq: i, outcome: i % 10 == 0 ? .failed(code: 400, message: "x") : .delivered(partition: 0, offset: Int64(i), timestamp: nil))
        }
        s = update(s, .sendEvents(id: 1, [.reports(reports, sent: 30)], now: 1)).0
        s.view = .reports
        #expect(s.reportsUI.selected == 29)
        let (up, _) = Self.keys(s, [.char("k")])
        #expect(!up.reportsUI.follow)
        #expect(up.reportsUI.selected == 28)
        let (filtered, _) = Self.keys(up, [.char("e")])
        #expect(Update.visibleReportCount(filtered) == 3)
        #expect(filtered.reportsUI.selected == 2)
    }
}

@Suite struct NoticeTests {
    @Test func themeProblemStaysUntilAKey() async {
        var h = await Harness(profile: "dev")
        await h.send(.themeProblem("theme x.toml: roles.ok.fg: expected a colour, found \"nope\"; using default-dark"))
        await h.send(.activated(profile: "dev", .success(PreviewServices().profileList[1])))
        #expect(h.screen.line(22).contains("roles.ok.fg"))
        await h.press(.char("2"))
        #expect(!h.screen.line(22).contains("roles.ok.fg"))
    }
}

@Suite struct ResendTargetTests {
    @Test func resendRefusedWhenTopicChanged() {
        var (s, _) = UpdateTests.keys(UpdateTests.production(), [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let failed = DeliveryReport(seq: 1, outcome: .failed(code: 400, message: "x"))
        s = update(s, .sendEvents(id: 1, [.reports([failed], sent: 1), .finished(delivered: 0, failed: 1, unknown: 0, stopReason: nil)], now: 1)).0
        s = update(s, .sendEnded(id: 1)).0
        UpdateTests.setTopic(&s, "elsewhere")
        let (s2, e) = UpdateTests.keys(s, [.char("6"), .char("r"), .char("y")])
        #expect(UpdateTests.sends(e).isEmpty)
        #expect(s2.status?.role == .error)
    }
}
