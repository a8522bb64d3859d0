import IngestModel
import Testing
@testable import IngestTUI

/// The Doctor view's messages and state: runs started by entering the view and by `r`, checks
/// as they arrive, the advice at the first failure, and cancellation by leaving.
@Suite struct DoctorUpdateTests {
    static let pass = DoctorCheck(.dns, status: .pass, detail: "127.0.0.1 -> 127.0.0.1")
    static let fail = DoctorCheck(.apiKey, status: .fail, detail: "403 Forbidden",
                                  advice: "the gateway refused the key: check api_key for this environment")
    static let skip = DoctorCheck.skipped(.cluster)

    /// A dev session with the topic resolved, in Compose.
    static func dev(topic: String? = "ing-staging-players") -> ConsoleState {
        var (s, _) = Update.start(initialProfile: "dev")
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "https://x/v3", maskedAPIKey: "AK…", needsPromptedSecret: false)
        s = update(s, .profilesLoaded([dev])).0
        s = update(s, .activated(profile: "dev", .success(dev))).0
        if let topic { UpdateTests.setTopic(&s, topic) }
        return s
    }

    static func running() -> ConsoleState { UpdateTests.keys(dev(), [.char("7")]).0 }

    @Test func keyIsInTheActionTable() {
        #expect(ActionTable.action(for: .char("7"), in: .compose) == .showDoctor)
        #expect(ActionTable.action(for: .char("r"), in: .doctor) == .rerunDoctor)
        #expect(ActionTable.action(for: .char("r"), in: .history) == .resend)
        #expect(ActionTable.footerItems(in: .doctor).contains { $0.keys == "r" && $0.label == "re-run" })
        #expect(ActionTable.conflicts().isEmpty)
        #expect(HelpOverlay.lines(for: .doctor).contains { $0.keys == "1-7" && $0.help.hasSuffix("History Doctor") })
    }

    @Test func enteringTheViewRunsTheChecksOnTheActiveProfileAndTopic() {
        let (s, e) = UpdateTests.keys(Self.dev(), [.char("7")])
        #expect(s.view == .doctor)
        #expect(e == [.doctor(run: 1, profile: "dev", topic: "ing-staging-players")])
        #expect(s.doctor.phase == .running)
        #expect(s.doctor.steps.isEmpty)
        #expect(Render.screen(s).textLines().joined(separator: "\n").contains("running…"))
        // Tab and S-Tab reach it too (it is the last view).
        #expect(UpdateTests.keys(Self.dev(), [.backTab]).1 == [.doctor(run: 1, profile: "dev", topic: "ing-staging-players")])
    }

    @Test func checksArriveInOrderAndOtherRunsAreDropped() {
        var s = Self.running()
        s = update(s, .doctorStep(run: 1, Self.pass)).0
        s = update(s, .doctorStep(run: 0, Self.fail)).0  // an older run
        s = update(s, .doctorStep(run: 1, DoctorCheck(.tcp, status: .pass, detail: "connected"))).0
        #expect(s.doctor.steps.map(\.name) == ["DNS", "TCP"])
        #expect(s.doctor.phase == .running)
        s = update(s, .doctorStep(run: 1, DoctorCheck(.tls, status: .skip, detail: "plain http on loopback (the sandbox)"))).0
        s = update(s, .doctorEnded(run: 1)).0
        #expect(s.doctor.phase == .finished)
        #expect(s.doctor.failure == nil)
        #expect(s.status == StatusLine(text: "doctor: 2 passed, 1 skipped, none failed", role: .ok))
        // A late step after the end changes nothing.
        #expect(update(s, .doctorStep(run: 1, Self.fail)).0.doctor.steps.count == 3)
    }

    @Test func theFirstFailureShowsItsAdviceHighlighted() throws {
        var s = Self.running()
        for step in [Self.pass, Self.fail, Self.skip] { s = update(s, .doctorStep(run: 1, step)).0 }
        s = update(s, .doctorEnded(run: 1)).0
        #expect(s.doctor.failure == Self.fail)
        #expect(s.status?.role == .error)
        #expect(s.status?.text == "doctor: API key failed; the checks after it were not run")
        let g = Render.screen(s)
        let lines = g.textLines()
        let row = try #require(lines.firstIndex { $0.contains("→ the gateway refused the key") })
        #expect(lines[row - 1].contains("✖ API key"))
        #expect(lines[row + 1].contains("– cluster"))
        let x = lines[row].distance(from: lines[row].startIndex, to: lines[row].firstIndex(of: "→")!)
        #expect(g[x, row].role == .warning)
        #expect(!lines.joined().contains("running…"))
    }

    @Test func rerunClearsTheChecksAndCancelsARunStillGoing() {
        var s = Self.running()
        s = update(s, .doctorStep(run: 1, Self.pass)).0
        // r while running: the old run is cancelled, a new one starts empty.
        var (s2, e) = UpdateTests.keys(s, [.char("r")])
        #expect(e == [.cancelDoctor(run: 1), .doctor(run: 2, profile: "dev", topic: "ing-staging-players")])
        #expect(s2.doctor.steps.isEmpty && s2.doctor.phase == .running)
        s2 = update(s2, .doctorStep(run: 1, Self.fail)).0
        #expect(s2.doctor.steps.isEmpty)
        // r after the end: nothing to cancel.
        s2 = update(s2, .doctorStep(run: 2, Self.pass)).0
        s2 = update(s2, .doctorEnded(run: 2)).0
        let (s3, e3) = UpdateTests.keys(s2, [.char("r")])
        #expect(e3 == [.doctor(run: 3, profile: "dev", topic: "ing-staging-players")])
        #expect(s3.doctor.steps.isEmpty)
    }

    @Test func leavingTheViewCancelsTheRun() {
        var s = Self.running()
        s = update(s, .doctorStep(run: 1, Self.pass)).0
        let (left, e) = UpdateTests.keys(s, [.char("1")])
        #expect(e == [.cancelDoctor(run: 1)])
        #expect(left.view == .compose && left.doctor.phase == .stopped)
        #expect(UpdateTests.keys(s, [.tab]).1 == [.cancelDoctor(run: 1)])
        #expect(UpdateTests.withoutDrafts(UpdateTests.keys(s, [.char("q")]).1) == [.cancelDoctor(run: 1), .quit])
        // The cancelled run's steps no longer count; coming back runs the checks again.
        let late = update(left, .doctorEnded(run: 1)).0
        #expect(late.doctor.phase == .stopped)
        let (back, e2) = UpdateTests.keys(late, [.char("7")])
        #expect(e2 == [.doctor(run: 2, profile: "dev", topic: "ing-staging-players")])
        #expect(back.doctor.steps.isEmpty)
    }

    @Test func aFinishedRunIsKeptUntilTheProfileOrTopicChanges() {
        var s = Self.running()
        s = update(s, .doctorStep(run: 1, Self.pass)).0
        s = update(s, .doctorEnded(run: 1)).0
        let (back, e) = UpdateTests.keys(s, [.char("1"), .char("7")])
        #expect(e.isEmpty)
        #expect(back.doctor.steps == [Self.pass])
        var other = UpdateTests.keys(s, [.char("1")]).0
        UpdateTests.setTopic(&other, "other")
        #expect(UpdateTests.keys(other, [.char("7")]).1 == [.doctor(run: 2, profile: "dev", topic: "ing-staging-other")])
    }

    @Test func waitsForTheProfileBeingActivated() {
        var (s, _) = Update.start(initialProfile: "sbx")
        let sbx = ProfileSummary(name: "sbx", environment: .sandbox, source: "t", topicPrefix: "ing-staging-", baseURL: "embedded sandbox",
                                 maskedAPIKey: "sandbox", needsPromptedSecret: false, suggestedTopic: "events")
        s = update(s, .profilesLoaded([sbx])).0
        #expect(s.activating == "sbx")
        var e: [Effect]
        (s, e) = UpdateTests.keys(s, [.char("7")])
        #expect(e.isEmpty && s.doctor.waiting)
        #expect(Render.screen(s).textLines().joined().contains("waiting for profile sbx to be active…"))
        // Active, with its suggested topic resolved: the checks start with the topic.
        (s, e) = update(s, .activated(profile: "sbx", .success(sbx)))
        #expect(UpdateTests.withoutDrafts(e) == [.doctor(run: 1, profile: "sbx", topic: "ing-staging-events")])
        #expect(!s.doctor.waiting)
    }

    @Test func withoutATopicTheChecksRunAtActivation() {
        var (s, _) = Update.start(initialProfile: "dev")
        let dev = ProfileSummary(name: "dev", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u", maskedAPIKey: "k", needsPromptedSecret: false)
        s = update(s, .profilesLoaded([dev])).0
        s = UpdateTests.keys(s, [.char("7")]).0
        let (_, e) = update(s, .activated(profile: "dev", .success(dev)))
        #expect(UpdateTests.withoutDrafts(e) == [.doctor(run: 1, profile: "dev", topic: nil)])
    }

    @Test func noActiveProfileRunsNothing() {
        var (s, _) = Update.start(initialProfile: "missing")
        s = update(s, .profilesLoaded([])).0
        let (s2, e) = UpdateTests.keys(s, [.char("7")])
        #expect(e.isEmpty)
        #expect(s2.status?.text == "no active profile: pick one in Profiles (3)")
        #expect(s2.doctor.phase == .idle)
    }
}
