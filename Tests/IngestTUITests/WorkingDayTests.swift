import ConsolePreview
import Foundation
import IngestModel
import Testing
@testable import IngestTUI

/// Issue 14, items 4, 7, 9 and 10, through `update` and the screens it draws.
@Suite struct WorkingDayTests {
    typealias U = UpdateTests

    static func text(_ s: ConsoleState) -> String { Render.screen(s).textLines().joined(separator: "\n") }
    /// The screen's words in order, whatever the line breaks.
    static func words(_ s: ConsoleState) -> String {
        Render.screen(s).textLines().joined(separator: " ").split(whereSeparator: { $0 == " " || $0 == "│" }).joined(separator: " ")
    }

    static func report(_ seq: Int, latency: Double, failed: String? = nil) -> DeliveryReport {
        DeliveryReport(seq: seq, outcome: failed.map { .failed(code: 404, message: $0) } ?? .delivered(partition: 0, offset: Int64(seq), timestamp: nil),
                       latencyMilliseconds: latency)
    }

    // MARK: item 9

    @Test func singleModeHonoursCount() {
        var s = U.dev()
        s.compose.count.setText("3")
        let sent = U.sends(U.keys(s, [.char("s")]).1)
        #expect(sent.first?.plan.source.knownCount == 3)
        #expect(sent.first?.plan.transport == .rest(.single))
    }

    /// Two sends: a slow one, then a fast one. Rows name their send; the send line's
    /// percentiles are those of the selected row's send, the session's are labelled apart.
    @Test func perSendCountersAndPercentiles() {
        var (s, e) = U.keys(U.dev(), [.char("s")])
        let first = U.sends(e)[0].id
        s = update(s, .sendEvents(id: first, [.reports((1...5).map { Self.report($0, latency: 400 + Double($0)) }, sent: 5),
                                              .finished(delivered: 5, failed: 0, unknown: 0, stopReason: nil)], now: 1)).0
        s = update(s, .sendEnded(id: first)).0
        s.view = .compose
        s.compose.count.setText("4")
        (s, e) = U.keys(s, [.char("s")])
        let second = U.sends(e)[0].id
        s = update(s, .sendEvents(id: second, [.reports((1...4).map { Self.report($0, latency: Double($0)) }, sent: 4)], now: 2)).0
        let screen = Self.text(s)
        #expect(screen.contains("send #2 ✔ 4  ✖ 0  ? 0  ⇡ 0 of 4  running  p50 2.0ms  p99 4.0ms"), "\(screen)")
        #expect(screen.contains("session ✔ delivered 9"))
        // The session's p50 (401 ms, from the slow first send) is labelled as the session's.
        #expect(screen.contains("session p50 401ms"), "\(screen)")
        #expect(screen.contains("    #2       4 delivered"), "\(screen)")
        #expect(screen.contains("    #1       5 delivered"), "rows of two sends both show their send:\n\(screen)")
        // On a row of the first send, the line is the first send's.
        let (up, _) = U.keys(s, Array(repeating: .char("k"), count: 4))
        #expect(Self.text(up).contains("send #1 ✔ 5  ✖ 0  ? 0  ⇡ 0 of 1  finished  p50 403ms  p99 405ms"), "\(Self.text(up))")
    }

    // MARK: item 7

    @Test func loadShowsModeRateAndTopicBeforeSendingAndSendsWithoutCounting() {
        var s = U.dev(topic: "events")
        s.compose.rate.setText("20")
        s.compose.mode = .rest(.stream)
        s.view = .load
        s.load.path.setText("/data/big.jsonl")
        let before = Self.text(s)
        #expect(before.contains("s sends to ing-staging-events · mode stream · rate 20/s · adaptive window"), "\(before)")
        // Counted: how long the rate makes it.
        s = update(s, .fileLoaded(path: "/data/big.jsonl", .success(LoadedFile(count: 2000, first: [])))).0
        #expect(Self.text(s).contains("2000 records at 20/s take about 100 s"), "\(Self.text(s))")
        #expect(LoadView.duration(20000 / 20) == "16 min 40 s")
        // m changes the mode here; s needs no l first.
        var t = U.dev(topic: "events")
        t.view = .load
        t.load.path.setText("/data/big.jsonl")
        let (t2, e) = U.keys(t, [.char("m"), .char("s")])
        #expect(t2.compose.mode == .rest(.batch))
        #expect(U.sends(e).first?.plan.source == .file(path: "/data/big.jsonl", format: .auto, valueType: .json))
        #expect(U.sends(e).first?.records == nil)
    }

    @Test func aStoppedSendSaysHowManyWereNotSent() {
        var s = U.dev()
        s.compose.count.setText("2000")
        var (t, e) = U.keys(s, [.char("s")])
        let id = U.sends(e)[0].id
        t = update(t, .sendEvents(id: id, [.reports((1...40).map { Self.report($0, latency: 1) }, sent: 45)], now: 1)).0
        (t, e) = U.keys(t, [.char("x")])
        #expect(e == [.cancelSend(id: id)])
        t = update(t, .sendEvents(id: id, [.reports((41...45).map { Self.report($0, latency: 1) }, sent: 45),
                                          .finished(delivered: 45, failed: 0, unknown: 0, stopReason: "stopped by the operator")], now: 2)).0
        #expect(t.status?.text == "send #\(id) stopped by you: 45 delivered, 0 failed, 0 unknown; 1955 of 2000 not sent")
        t = update(t, .sendEnded(id: id)).0
        t.view = .reports
        #expect(Self.text(t).contains("stopped, 1955 not sent"))
    }

    // MARK: item 10

    static let record = EventRecord(key: Payload(type: .string, data: Array("player-7".utf8)),
                                    value: Payload(type: .json, data: Array("{\"a\":1,\"b\":[2,3]}".utf8)),
                                    headers: [RecordHeader(name: "trace", value: Array("abc".utf8)), RecordHeader(name: "raw", value: [0, 1, 255])])

    /// A send's record detail: decoded headers, indented JSON; a native send's record as the
    /// Kafka record, not as a REST body "as sent".
    static func detail(_ transport: Transport) -> ConsoleState {
        var s = U.dev()
        s.compose.mode = transport
        var (t, e) = U.keys(s, [.char("s")])
        let id = U.sends(e)[0].id
        t = update(t, .sendEvents(id: id, [.reports([Self.report(1, latency: 2)], sent: 1)], now: 1)).0
        (t, e) = U.keys(t, [.enter])
        #expect(e == [.fetchRecords(sendID: id, seqs: [1], purpose: .detail)])
        return update(t, .recordsFetched(sendID: id, purpose: .detail, [1: record])).0
    }

    @Test func nativeRecordsShowAsKafkaRecords() {
        let screen = Self.text(Self.detail(.native))
        #expect(screen.contains("Kafka record (as produced)"), "\(screen)")
        #expect(!screen.contains("REST request"))
        for line in ["partition 0", "key       player-7", "headers   trace: abc", "          raw: base64:AAH/", "value     JSON, 17 bytes", "    \"a\": 1,"] {
            #expect(screen.contains(line), "\(line) missing:\n\(screen)")
        }
    }

    @Test func restRecordsShowTheRequestIndentedAndTheHeadersDecoded() {
        let s = Self.detail(.rest(.single))
        var screen = Self.text(s)
        #expect(screen.contains("REST request (as sent)"), "\(screen)")
        #expect(screen.contains("\"value\": \"YWJj\""), "the request as sent keeps base64:\n\(screen)")
        // Scrolled down: the decoded headers under the request.
        let (down, _) = U.keys(s, [.pageDown, .pageDown])
        screen = Self.text(down)
        #expect(down.reportsUI.detailScroll > 0)
        #expect(screen.contains("headers, decoded:") && screen.contains("  trace: abc"), "\(screen)")
        let (top, _) = U.keys(down, [.char("g")])
        #expect(top.reportsUI.detailScroll == 0)
    }

    @Test func yCopiesTheValueAndSaysWhereItWent() {
        let s = Self.detail(.rest(.single))
        let (t, e) = U.keys(s, [.char("y")])
        #expect(e == [.copy(text: "{\"a\":1,\"b\":[2,3]}", what: "record 1 of send #1")])
        let (u, _) = update(t, .copied(what: "record 1 of send #1", to: "the tmux paste buffer (prefix ] pastes it)"))
        #expect(u.status?.text.hasPrefix("record 1 of send #1 copied to the tmux paste buffer") == true)
        // Outside a detail, y says what to do.
        var r = U.dev()
        r.view = .reports
        let (v, e2) = U.keys(r, [.char("y")])
        #expect(e2.isEmpty && v.status?.text.contains("open a record first") == true)
    }

    /// Compose's preview: indented, and PgDn scrolls it.
    @Test func composePreviewIsIndentedAndScrolls() {
        var s = U.dev()
        s.compose.headers.setText("a=1; b=2; c=3")
        _ = Update.refreshCompose(&s)
        s = update(s, .previewed(revision: s.compose.revision, PreviewServices.preview(Update.composedEvent(s.compose)))).0
        let lines = ComposeView.previewLines(s)
        #expect(lines.count > Update.previewPage)
        #expect(lines.contains("  \"headers\": ["), "\(lines)")
        #expect(!Self.text(s).contains("\"seq\": 1"))
        let (down, _) = U.keys(s, [.pageDown])
        #expect(down.compose.previewScroll == Update.previewPage)
        #expect(Self.text(down).contains("│" + lines[Update.previewPage]), "\(Self.text(down))")
        let (back, _) = U.keys(down, [.pageUp])
        #expect(back.compose.previewScroll == 0)
    }

    // MARK: item 4

    static let long = "This server does not host this topic-partition. (topic ing-staging-nosuch does not exist: topics are created by the platform, ask Future Anthem for it)"

    @Test func errorsAreShownWholeInDetailsLoadAndProfiles() {
        var s = U.dev()
        s.view = .load
        s.load.path.setText("/data/x")
        s = update(s, .fileLoaded(path: "/data/x", .failure(ServiceFailure(Self.long)))).0
        #expect(Self.words(s).contains("ask Future Anthem for it"), "\(Self.text(s))")

        var p = U.dev()
        p.profiles[0].problem = "client_id is empty but rest_url contains {client}: set client_id to the id Future Anthem gave you"
        p.view = .profiles
        #expect(Self.words(p).contains("set client_id to the id Future Anthem gave you"), "\(Self.text(p))")

        var d = U.dev()
        var (t, e) = U.keys(d, [.char("s")])
        let id = U.sends(e)[0].id
        t = update(t, .sendEvents(id: id, [.reports([Self.report(1, latency: 1, failed: Self.long)], sent: 1)], now: 1)).0
        (d, _) = U.keys(t, [.enter])
        #expect(Self.words(d).contains("404 This server does not host this topic-partition. (topic ing-staging-nosuch does not exist: topics are created by the platform, ask Future Anthem for it)"), "\(Self.text(d))")
    }
}

/// Item 6: a relaunch starts from the profile's last draft.
@Suite struct DraftTests {
    typealias U = UpdateTests

    static let draft: ComposeDraft = {
        var s = U.dev(topic: "orders")
        s.compose.valueType = .string
        s.compose.key.setText("k-{{seq}}")
        s.compose.headers.setText("src=test")
        s.compose.partition.setText("2")
        s.compose.mode = .rest(.stream)
        s.compose.count.setText("500")
        s.compose.rate.setText("20")
        s.compose.window.setText("16")
        s.compose.value.setText("hello {{seq}}")
        s.load.path.setText("/data/events.jsonl")
        return ComposeDraft(s)
    }()

    @Test func activationAsksForTheDraftAndPutsItBack() {
        var (s, _) = Update.start(initialProfile: "dev")
        // A suggested topic (the sandbox's) is filled in at activation; the draft's wins.
        let dev = ProfileSummary(name: "dev", environment: .sandbox, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k",
                                 needsPromptedSecret: false, suggestedTopic: "ing-staging-events")
        s = update(s, .profilesLoaded([dev])).0
        let (t, e) = update(s, .activated(profile: "dev", .success(dev)))
        #expect(e.contains(.loadDraft(profile: "dev")))
        let (u, _) = update(t, .draftLoaded(profile: "dev", Self.draft))
        #expect(ComposeDraft(u) == Self.draft)
        #expect(u.fullTopic == "ing-staging-orders")
        #expect(u.compose.validation == .ok)
        // Sends are made from it as from typed fields.
        let sent = U.sends(U.keys(u, [.char("s")]).1).first
        #expect(sent?.plan.options == SendOptions(ratePerSecond: 20, window: 16))
        #expect(sent?.plan.source.knownCount == 500)
    }

    /// Typing before the draft arrives wins; production's topic is never put back.
    @Test func theOperatorsTypingAndProductionsTopicAreKept() {
        var (s, _) = Update.start(initialProfile: "dev")
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        s = update(s, .activated(profile: "dev", .success(dev))).0
        s.compose.field = .key
        s = U.keys(s, [.enter] + Key.typing("mine") + [.escape]).0
        let (kept, _) = update(s, .draftLoaded(profile: "dev", Self.draft))
        #expect(kept.compose.key.text == "mine" && kept.compose.value.text != "hello {{seq}}")

        var (p, _) = Update.start(initialProfile: "prod")
        let prod = ProfileSummary(name: "prod", environment: .production, source: "t", topicPrefix: "ing-production-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        p = update(p, .activated(profile: "prod", .success(prod))).0
        let (q, _) = update(p, .draftLoaded(profile: "prod", Self.draft))
        #expect(q.compose.topic.text.isEmpty && q.fullTopic == nil)
        #expect(q.compose.value.text == "hello {{seq}}")
    }

    /// Kept when a send starts, when the profile changes and when the console quits.
    @Test func theDraftIsKeptAtEachSendProfileChangeAndQuit() {
        let s = U.dev()
        let (sent, e) = U.keys(s, [.char("s")])
        #expect(e.contains(.saveDraft(profile: "dev", ComposeDraft(s))))
        let other = ProfileSummary(name: "sbx", environment: .sandbox, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        let (_, e2) = update(update(sent, .sendEnded(id: 1)).0, .activated(profile: "sbx", .success(other)))
        #expect(e2.contains { if case .saveDraft("dev", _) = $0 { true } else { false } })
        #expect(U.keys(s, [.char("q")]).1.contains(.saveDraft(profile: "dev", ComposeDraft(s))))
    }
}

/// Item 6: History lists the journal's runs across sessions; any send loads into Compose.
@Suite struct HistoryTests {
    typealias U = UpdateTests

    static let earlier = PastRun(id: "3f2a9c1e", time: "2026-11-24T16:05:12.000Z", profile: "dev", topic: "ing-staging-players", mode: "batch",
                                 source: "data", delivered: 25, failed: 0, unknown: 0, state: "finished")

    @Test func earlierRunsAreListedAfterThisSessionsAndOnce() {
        var (s, e) = U.keys(U.dev(), [.char("s")])
        let id = U.sends(e)[0].id
        s = update(s, .sendEvents(id: id, [.journaled(run: "aaaa0001")], now: 1)).0
        let mine = PastRun(id: "aaaa0001", time: "2026-11-25T03:00:00.000Z", profile: "dev", topic: "ing-staging-t", mode: "single",
                           source: "data", delivered: 1, failed: 0, unknown: 0, state: "finished")
        s = update(s, .historyLoaded(.success([mine, Self.earlier]))).0
        let rows = Update.historyRows(s)
        #expect(rows.count == 2, "this session's send is listed once: \(rows)")
        guard case .session(let first)? = rows.first, case .past(let second) = rows[1] else {
            Issue.record("\(rows)")
            return
        }
        #expect(first.id == id && second.id == "3f2a9c1e")
        s.view = .history
        let screen = WorkingDayTests.text(s)
        #expect(screen.contains(" 3f2a9c1e done              25"), "\(screen)")
    }

    /// Enter on an earlier run asks the services for it and fills Compose; the topic comes too
    /// (a deliberate load), and sending it is a new send, confirmed as any.
    @Test func anEarlierSendLoadsIntoComposeAndSendsAgain() {
        var s = U.production()
        s = update(s, .historyLoaded(.success([Self.earlier]))).0
        s.view = .history
        let (asked, e) = U.keys(s, [.enter])
        #expect(e == [.loadPastSend(run: "3f2a9c1e")])
        var draft = ComposeDraft()
        draft.topic = "ing-production-players"
        draft.mode = "batch"
        draft.value = "{\"n\": {{seq}}}"
        draft.count = "25"
        let (loaded, _) = update(asked, .pastSendLoaded(run: "3f2a9c1e", .success(LoadedSend(draft: draft))))
        #expect(loaded.view == .compose && loaded.compose.value.text == "{\"n\": {{seq}}}" && loaded.compose.mode == .rest(.batch))
        #expect(loaded.fullTopic == "ing-production-players")
        #expect(loaded.status?.text.contains("run 3f2a9c1e loaded into Compose") == true)
        let (confirm, e2) = U.keys(loaded, [.char("s")])
        #expect(U.sends(e2).isEmpty)
        guard case .confirmProduction(_, let pending, _)? = confirm.modal else {
            Issue.record("a loaded production send is confirmed like any")
            return
        }
        #expect(pending.records == 25)
        // What the journal could not keep is said.
        let (partial, _) = update(asked, .pastSendLoaded(run: "3f2a9c1e", .success(LoadedSend(draft: draft, note: "only a digest was kept"))))
        #expect(partial.status?.text.hasSuffix("only a digest was kept") == true && partial.status?.role == .warning)
    }

    /// This session's sends load from their plan, file sends into Load.
    @Test func aSessionSendLoadsFromItsPlan() {
        var s = U.dev()
        s.compose.key.setText("k-{{seq}}")
        s.compose.count.setText("7")
        var (t, e) = U.keys(s, [.char("s")])
        t = update(t, .sendEnded(id: U.sends(e)[0].id)).0
        t.compose.key.setText("changed")
        t.compose.count.setText("1")
        t.view = .history
        (t, e) = U.keys(t, [.enter])
        #expect(t.view == .compose && t.compose.key.text == "k-{{seq}}" && t.compose.count.text == "7")
        var f = U.dev()
        f.view = .load
        f.load.path.setText("/data/events.jsonl")
        var (g, e2) = U.keys(f, [.char("s")])
        g = update(g, .sendEnded(id: U.sends(e2)[0].id)).0
        g.load.path.setText("/elsewhere")
        g.view = .history
        g = U.keys(g, [.enter]).0
        #expect(g.view == .load && g.load.path.text == "/data/events.jsonl")
    }

    @Test func draftsFromPlans() {
        let plan = SendPlan(topic: "ing-staging-x", source: .template(EventTemplate(valueType: .string, value: "v{{seq}}", key: "k",
                            headers: [HeaderTemplate(name: "a", value: "1"), HeaderTemplate(name: "b", value: "2")], partition: 2), count: 9),
                            transport: .rest(.stream), options: SendOptions(ratePerSecond: 12.5, window: 8))
        let d = ComposeDraft(plan: plan)
        #expect(d.topic == "ing-staging-x" && d.valueType == "STRING" && d.value == "v{{seq}}" && d.key == "k")
        #expect(d.headers == "a=1; b=2" && d.partition == "2" && d.mode == "stream" && d.count == "9" && d.rate == "12.5" && d.window == "8")
    }
}
