import IngestModel
import Testing
@testable import IngestTUI

/// Issue 15, item 3 in the console: a profile's `[limits]` refuse with the limit named and
/// nothing sent; `require_reason` is asked and goes with the send (to the journal); a fresh
/// confirmation after `confirm_idle_minutes`.
@Suite struct LimitsConsoleTests {
    typealias U = UpdateTests

    static func active(_ environment: DeploymentEnvironment = .dev, limits: SendLimits,
                       confirm: ProductionConfirm = .typed, topic: String = "events") -> ConsoleState {
        let prefix = environment == .production ? "ing-production-" : "ing-staging-"
        let p = ProfileSummary(name: "p", environment: environment, source: "t", topicPrefix: prefix, baseURL: "u", maskedAPIKey: "k",
                               needsPromptedSecret: false, productionConfirm: confirm, limits: limits)
        var (s, _) = Update.start(initialProfile: "p")
        s = update(s, .profilesLoaded([p])).0
        s = update(s, .activated(profile: "p", .success(p))).0
        U.setTopic(&s, topic)
        s.now = 10_000
        return s
    }

    @Test func limitsRefuseNamingTheLimit() {
        var s = Self.active(limits: SendLimits(maxRecordsPerSend: 10, allowedTopics: ["ing-staging-events"]))
        s.compose.count.setText("11")
        var (t, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).isEmpty && t.modal == nil)
        #expect(t.status?.text == "refused by profile p's limit max_records_per_send = 10: this send has 11 records; nothing was sent")
        s.compose.count.setText("10")
        (_, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).count == 1, "a send within the limits is refused")

        U.setTopic(&s, "players")
        (t, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).isEmpty)
        #expect(t.status?.text == "refused by profile p's limit allowed_topics: ing-staging-players is not one of ing-staging-events; nothing was sent")

        // A file: refused until counted, then held to the count.
        U.setTopic(&s, "events")
        s.view = .load
        s.load.path.setText("/data/big.jsonl")
        (t, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).isEmpty)
        #expect(t.status?.text.contains("max_records_per_send = 10: this file is not counted yet (l in Load counts it") == true, "\(String(describing: t.status))")
        s = update(s, .fileLoaded(path: "/data/big.jsonl", .success(LoadedFile(count: 12, first: [])))).0
        (t, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).isEmpty && t.status?.text.contains("this send has 12 records") == true)
    }

    @Test func theReasonIsAskedAndGoesWithTheSend() {
        let s = Self.active(limits: SendLimits(requireReason: true))
        var (t, e) = U.keys(s, [.char("s")])
        guard case .reason? = t.modal else {
            Issue.record("no reason asked: \(String(describing: t.modal))")
            return
        }
        #expect(U.sends(e).isEmpty)
        // Letters are the reason, not commands; an empty one is not taken.
        (t, e) = U.keys(t, [.enter])
        #expect(U.sends(e).isEmpty && t.modal != nil)
        (t, e) = U.keys(t, Key.typing("  INC-42: resend lost events q s ") + [.enter])
        #expect(U.sends(e).map(\.reason) == ["INC-42: resend lost events q s"])
        #expect(!t.quitting)
        // Esc gives up: nothing sent.
        (t, e) = U.keys(s, [.char("s"), .char("x"), .escape])
        #expect(U.sends(e).isEmpty && t.modal == nil && t.status?.text == "no reason given: nothing sent")
    }

    /// Production: the reason first, then the typed confirmation, which shows it.
    @Test func productionAsksTheReasonThenTheTopic() {
        let s = Self.active(.production, limits: SendLimits(requireReason: true), topic: "players")
        var (t, e) = U.keys(s, [.char("s")] + Key.typing("INC-7") + [.enter])
        #expect(U.sends(e).isEmpty)
        guard case .confirmProduction(_, let pending, _)? = t.modal else {
            Issue.record("no typed confirmation after the reason: \(String(describing: t.modal))")
            return
        }
        #expect(pending.reason == "INC-7")
        #expect(WorkingDayTests.text(t).contains("reason   INC-7"), "\(WorkingDayTests.text(t))")
        (t, e) = U.keys(t, Key.typing("ing-production-players") + [.enter])
        #expect(U.sends(e).map(\.reason) == ["INC-7"])
    }

    /// `confirm_idle_minutes = 15` on dev: y/N when no send went through the profile for 15
    /// minutes (or none yet); at once otherwise.
    @Test func idleMinutesAskAgainOnDev() {
        var s = Self.active(limits: SendLimits(confirmIdleMinutes: 15))
        var e: [Effect]
        (s, e) = U.keys(s, [.char("s")])
        guard case .confirmIdle(_, 15)? = s.modal else {
            Issue.record("the first send was not confirmed: \(String(describing: s.modal))")
            return
        }
        #expect(U.sends(e).isEmpty)
        #expect(U.sends(U.keys(s, [.enter]).1).isEmpty, "default No")
        (s, e) = U.keys(s, [.char("y")])
        let first = U.sends(e)
        #expect(first.count == 1)
        s = update(s, .sendEnded(id: first[0].id)).0
        s = update(s, .tick(now: s.now + 14 * 60)).0
        (s, e) = U.keys(s, [.char("1"), .char("s")])
        #expect(U.sends(e).count == 1 && s.modal == nil, "asked again within the minutes")
        s = update(s, .sendEnded(id: U.sends(e)[0].id)).0
        s = update(s, .tick(now: s.now + 15 * 60)).0
        (s, e) = U.keys(s, [.char("1"), .char("s")])
        #expect(U.sends(e).isEmpty)
        guard case .confirmIdle? = s.modal else {
            Issue.record("not asked after 15 idle minutes: \(String(describing: s.modal))")
            return
        }
    }

    /// Production with `typed-first`: the quick y/N for one record holds only within the idle
    /// minutes; after them the topic is typed afresh.
    @Test func idleMinutesEndTypedFirstInProduction() {
        var s = Self.active(.production, limits: SendLimits(confirmIdleMinutes: 10), confirm: .typedFirst, topic: "players")
        var e: [Effect]
        (s, e) = U.keys(s, [.char("s")] + Key.typing("ing-production-players") + [.enter])
        let first = U.sends(e)
        #expect(first.count == 1)
        s = update(s, .sendEnded(id: first[0].id)).0
        (s, _) = U.keys(s, [.char("1"), .char("s")])
        guard case .confirmProductionSingle? = s.modal else {
            Issue.record("typed-first did not relax the second send: \(String(describing: s.modal))")
            return
        }
        (s, e) = U.keys(s, [.char("y")])
        s = update(s, .sendEnded(id: U.sends(e)[0].id)).0
        s = update(s, .tick(now: s.now + 10 * 60 + 1)).0
        (s, e) = U.keys(s, [.char("1"), .char("s")])
        guard case .confirmProduction? = s.modal else {
            Issue.record("after the idle minutes y/N was still offered: \(String(describing: s.modal))")
            return
        }
        #expect(U.sends(e).isEmpty)
        #expect(s.status?.text.contains("10 minutes or more without a send through p: type the topic afresh") == true)
    }
}
