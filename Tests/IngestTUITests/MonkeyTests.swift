import Foundation
import ConsolePreview
import IngestModel
import Testing
import TestSupport
@testable import IngestTUI

/// Issue 14's proof: random keys, pastes and resizes on a production profile, through the pure
/// `update`, with the services' answers simulated. Every `.send` must come from the key that
/// completed that very send's confirmation; nothing may crash (every screen is drawn too).
@Suite struct MonkeyTests {
    /// What authorises a send: Enter on the typed-back topic, or y on the relaxed question
    /// (only where the profile allows it). Returns the violations among `effects`.
    static func violations(before s: ConsoleState, _ msg: Msg, _ effects: [Effect]) -> [String] {
        var authorised: SendRequest? = nil
        let limits = s.active?.limits ?? SendLimits()
        // `confirm_idle_minutes`: the quick y/N holds only this long after the last send.
        let idleHolds = s.lastSendAt.map { last in limits.confirmIdleMinutes.map { s.now - last < Double($0) * 60 } ?? true } ?? false
        switch (s.modal, msg) {
        case (.confirmProduction(let input, let pending, _)?, .key(.enter)) where input.text == pending.plan.topic:
            authorised = pending
        case (.confirmProductionSingle(let pending)?, .key(.char("y"))), (.confirmProductionSingle(let pending)?, .key(.char("Y"))):
            if s.active?.productionConfirm == .typedFirst, pending.records == 1, s.productionTypedTopics.contains(pending.plan.topic), idleHolds {
                authorised = pending
            }
        default: break
        }
        let sends = effects.compactMap { if case .send(let r) = $0 { r } else { nil } }
        var out: [String] = []
        for r in sends where r != authorised || sends.count > 1 {
            out.append("send #\(r.id) to \(r.plan.topic) after \(msg) without its confirmation (modal \(String(describing: s.modal)))")
        }
        // The profile's limits hold for every send that goes.
        for r in sends {
            if let most = limits.maxRecordsPerSend, (r.records ?? Int.max) > most { out.append("send #\(r.id) of \(r.records ?? -1) records past max_records_per_send \(most)") }
            if !limits.allowedTopics.isEmpty, !limits.allowedTopics.contains(r.topic) { out.append("send #\(r.id) to \(r.topic), not an allowed topic") }
            if limits.requireReason, (r.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty { out.append("send #\(r.id) without a reason") }
        }
        return out
    }

    /// The checker itself catches an unconfirmed send (a monkey that cannot fail proves nothing).
    @Test func theCheckerCatchesAnUnconfirmedSend() {
        let s = UpdateTests.production()
        let request = SendRequest(id: 1, profile: "prod", plan: SendPlan(topic: "ing-production-players", source: .template(EventTemplate(value: "{}"), count: 1), transport: .rest(.single)), records: 1)
        #expect(Self.violations(before: s, .key(.char("s")), [.send(request)]).count == 1)
        var asked = s
        asked.modal = .confirmProduction(input: TextBuffer("ing-production-player"), pending: request, error: nil)
        #expect(Self.violations(before: asked, .key(.enter), [.send(request)]).count == 1)
        asked.modal = .confirmProduction(input: TextBuffer("ing-production-players"), pending: request, error: nil)
        #expect(Self.violations(before: asked, .key(.enter), [.send(request)]).isEmpty)
        var other = request
        other.id = 2
        #expect(Self.violations(before: asked, .key(.enter), [.send(other)]).count == 1)
        asked.modal = .confirmProductionSingle(pending: request)
        #expect(Self.violations(before: asked, .key(.char("y")), [.send(request)]).count == 1, "typed-first is off: y is no confirmation")
        // typed-first, after the idle minutes: y is no confirmation either.
        asked.active?.productionConfirm = .typedFirst
        asked.active?.limits = SendLimits(maxRecordsPerSend: 5, requireReason: true, confirmIdleMinutes: 2)
        asked.productionTypedTopics = ["ing-production-players"]
        asked.lastSendAt = asked.now - 60
        var reasoned = request
        reasoned.reason = "why"
        asked.modal = .confirmProductionSingle(pending: reasoned)
        #expect(Self.violations(before: asked, .key(.char("y")), [.send(reasoned)]).isEmpty)
        asked.lastSendAt = asked.now - 121
        #expect(Self.violations(before: asked, .key(.char("y")), [.send(reasoned)]).count == 1, "y after the idle minutes")
        // A send past a limit, or without the reason asked for, is caught too.
        asked.lastSendAt = asked.now - 60
        #expect(Self.violations(before: asked, .key(.char("y")), [.send(request)]).count == 2, "no reason, and not the pending send")
        var big = reasoned
        big.records = 6
        asked.modal = .confirmProduction(input: TextBuffer("ing-production-players"), pending: big, error: nil)
        #expect(Self.violations(before: asked, .key(.enter), [.send(big)]) == ["send #1 of 6 records past max_records_per_send 5"])
    }

    struct Monkey {
        var rng: SeededRandom
        var state: ConsoleState
        let policy: ProductionConfirm
        let limits: SendLimits
        /// Answers of the simulated services, delivered a few at a time.
        var pending: [Msg] = []
        var steps = 0, keys = 0, pastes = 0, resizes = 0, sessions = 1
        var typedConfirmations = 0, quickConfirmations = 0, sends = 0, reasons = 0, limitRefusals = 0
        var problems: [String] = []

        static let letters = Array("sxqynmtekjlrdpgGf!?123456789abcowi{}\":, ;=-_.")
        static let special: [Key] = [.enter, .escape, .tab, .backTab, .backspace, .delete, .up, .down, .left, .right,
                                     .pageUp, .pageDown, .home, .end, .function(1), .ctrl("u"), .ctrl("w"), .ctrl("a"),
                                     .ctrl("e"), .ctrl("k"), .ctrl("c")]

        init(seed: UInt64, policy: ProductionConfirm, limits: SendLimits) {
            rng = SeededRandom(seed: seed)
            self.policy = policy
            self.limits = limits
            state = Self.fresh(policy, limits)
        }

        static func fresh(_ policy: ProductionConfirm, _ limits: SendLimits) -> ConsoleState {
            var s = UpdateTests.production()
            s.active?.productionConfirm = policy
            s.active?.limits = limits
            s.profiles = s.profiles.map { var p = $0; p.productionConfirm = policy; p.limits = limits; return p }
            s.reports = ReportStore(capacity: 500)
            return s
        }

        mutating func random(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }

        mutating func apply(_ msg: Msg) {
            steps += 1
            let before = state
            let effects = Update.apply(&state, msg)
            problems += MonkeyTests.violations(before: before, msg, effects)
            if state.status?.text.hasPrefix("refused by profile") == true, msg == .key(.char("s")) { limitRefusals += 1 }
            for effect in effects { simulate(effect, before: before, msg) }
            if steps % 97 == 0 { _ = Render.screen(state) }
        }

        mutating func simulate(_ effect: Effect, before: ConsoleState, _ msg: Msg) {
            switch effect {
            case .send(let r):
                sends += 1
                if case .confirmProductionSingle? = before.modal { quickConfirmations += 1 } else { typedConfirmations += 1 }
                let n = min(r.records ?? 3, 40)
                let reports = (1...max(1, n)).map { seq in
                    DeliveryReport(seq: seq, outcome: seq % 7 == 0 ? .failed(code: 500, message: "monkey") : seq % 11 == 0 ? .unknown(message: "monkey")
                                   : .delivered(partition: seq % 3, offset: Int64(seq), timestamp: nil), latencyMilliseconds: Double(seq % 9))
                }
                pending.append(.sendEvents(id: r.id, [.reports(Array(reports.prefix(n / 2)), sent: n)], now: state.now + 1))
                pending.append(.sendEvents(id: r.id, [.reports(Array(reports.dropFirst(n / 2)), sent: n),
                                                      .finished(delivered: 0, failed: 0, unknown: 0, stopReason: nil)], now: state.now + 2))
                pending.append(.sendEnded(id: r.id))
            case .cancelSend(let id):
                pending.append(.sendEnded(id: id))
            case .fetchRecords(let id, let seqs, let purpose):
                let records = Dictionary(uniqueKeysWithValues: seqs.map { ($0, EventRecord(value: Payload(type: .json, data: Array("{\"n\":\($0)}".utf8)))) })
                pending.append(.recordsFetched(sendID: id, purpose: purpose, records))
            case .activate(let name, _):
                if let p = state.profiles.first(where: { $0.name == name }) { pending.append(.activated(profile: name, .success(p))) }
            case .preview(let revision, let event):
                pending.append(.previewed(revision: revision, PreviewServices.preview(event)))
            case .loadSavedSends:
                pending.append(.savedSendsLoaded(SavedSendList(directory: "/sends", items: [
                    SavedSendItem(name: "big", file: "/sends/big.toml", result: .success(SavedSend(topic: "players", mode: .rest(.stream), count: 500, data: "{}"))),
                    SavedSendItem(name: "one", file: "/sends/one.toml", result: .success(SavedSend(topic: "ing-production-players", data: "{\"n\": 1}"))),
                    SavedSendItem(name: "bad", file: "/sends/bad.toml", result: .failure(ServiceFailure("bad.toml: mode: expected single"))),
                ])))
            case .saveSend(let name, _, _):
                pending.append(.sendSaved(name: name, random(2) == 0 ? .success(.saved(path: "/sends/\(name).toml")) : .success(.exists(path: "/sends/\(name).toml"))))
            case .copyAs(let format, _, _):
                pending.append(.copyRendered(format, .success("curl …")))
            case .quit:
                // The console quit: the next operator starts a new session.
                sessions += 1
                state = Self.fresh(policy, limits)
                pending = []
            default: break
            }
        }

        /// The topic typed back, right or nearly right, then Enter.
        mutating func typeTopic() {
            var topic = state.fullTopic ?? "ing-production-players"
            if random(4) == 0, !topic.isEmpty { topic.removeLast() }
            for ch in topic { keys += 1; apply(.key(.char(ch))) }
            keys += 1
            apply(.key(.enter))
        }

        mutating func step() {
            // Biased towards the guarded path, so that confirmations are often on screen when
            // the random keys and pastes arrive.
            switch state.modal {
            case .confirmProduction? where random(3) == 0: return typeTopic()
            case .savedSends? where random(2) == 0:
                // A saved send loaded (the big one breaks the limit), then sent.
                for key in (random(2) == 0 ? [Key.down] : []) + [.enter, .char("s")] { keys += 1; apply(.key(key)) }
                return
            case .reason? where random(3) == 0:
                reasons += 1
                for key in Key.typing(random(5) == 0 ? " " : "INC-\(random(99))") + [.enter] { keys += 1; apply(.key(key)) }
                return
            case .confirmProductionSingle? where random(3) == 0:
                keys += 1
                return apply(.key(.char("y")))
            default: break
            }
            if random(12) == 0 {
                for key in [Key.escape, .escape, .char("1"), .char("s")] { keys += 1; apply(.key(key)) }
                return
            }
            switch random(100) {
            case 0..<55:
                keys += 1
                let key: Key = random(3) == 0 ? Self.special[random(Self.special.count)] : .char(Self.letters[random(Self.letters.count)])
                // Ctrl-C and q end sessions; keep sessions long enough to reach sends.
                if key == .ctrl("c"), random(20) != 0 { return }
                apply(.key(key))
            case 55..<70: typeTopic()
            case 70..<80:
                pastes += 1
                let pieces = ["s", "q", "xyz s", "\n", "ing-production-players", "{\"a\": 1}", "y", "\u{1B}[A", "é", "\t", "\r\n",
                              "curl --location 'https://x/v3/clusters/c/topics/ing-production-players/records' --header \"x-api-key: k\" --data '{\"value\":{\"type\":\"JSON\",\"data\":{}}}'"]
                apply(.paste((0..<(1 + random(4))).map { _ in pieces[random(pieces.count)] }.joined()))
            case 80..<86:
                resizes += 1
                apply(.resize(width: 40 + random(140), height: 10 + random(50)))
            case 86..<90:
                // Now and then minutes pass (`confirm_idle_minutes`).
                apply(.tick(now: state.now + Double(random(20) == 0 ? 60 * random(4) : random(3))))
            default:
                // Service answers arrive, in order (an answer may end the session, and its queue).
                for _ in 0..<(1 + random(3)) where !pending.isEmpty { apply(pending.removeFirst()) }
            }
        }
    }

    /// The last profile holds to limits: a reason for every send, a fresh confirmation after
    /// 2 idle minutes, at most 30 records a send.
    @Test(arguments: [(ProductionConfirm.typed, UInt64(14_001), false), (.typedFirst, 14_002, false), (.typedFirst, 14_003, true)])
    func randomInputNeverSendsUnconfirmed(policy: ProductionConfirm, seed: UInt64, limited: Bool) {
        let limits = limited ? SendLimits(maxRecordsPerSend: 30, requireReason: true, confirmIdleMinutes: 2) : SendLimits()
        var monkey = Monkey(seed: seed, policy: policy, limits: limits)
        while monkey.keys + monkey.pastes + monkey.resizes < 100_000 { monkey.step() }
        #expect(monkey.problems.isEmpty, "\(monkey.problems.prefix(5))")
        // The monkey reached the guarded path, so the check above means something.
        #expect(monkey.typedConfirmations > 20, "typed \(monkey.typedConfirmations)")
        if policy == .typedFirst { #expect(monkey.quickConfirmations > 0, "quick \(monkey.quickConfirmations)") }
        if limited { #expect(monkey.reasons > 20 && monkey.limitRefusals > 0, "reasons \(monkey.reasons), refusals \(monkey.limitRefusals)") }
        print("monkey \(policy.rawValue): \(monkey.keys) keys, \(monkey.pastes) pastes, \(monkey.resizes) resizes, \(monkey.sessions) sessions, "
              + "\(monkey.sends) sends (\(monkey.typedConfirmations) typed, \(monkey.quickConfirmations) y/N), \(monkey.reasons) reasons, "
              + "\(monkey.limitRefusals) limit refusals, \(monkey.steps) updates")
    }
}
