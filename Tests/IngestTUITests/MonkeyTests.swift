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
        switch (s.modal, msg) {
        case (.confirmProduction(let input, let pending, _)?, .key(.enter)) where input.text == pending.plan.topic:
            authorised = pending
        case (.confirmProductionSingle(let pending)?, .key(.char("y"))), (.confirmProductionSingle(let pending)?, .key(.char("Y"))):
            if s.active?.productionConfirm == .typedFirst, pending.records == 1, s.productionTypedTopics.contains(pending.plan.topic) {
                authorised = pending
            }
        default: break
        }
        let sends = effects.compactMap { if case .send(let r) = $0 { r } else { nil } }
        var out: [String] = []
        for r in sends where r != authorised || sends.count > 1 {
            out.append("send #\(r.id) to \(r.plan.topic) after \(msg) without its confirmation (modal \(String(describing: s.modal)))")
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
    }

    struct Monkey {
        var rng: SeededGenerator
        var state: ConsoleState
        let policy: ProductionConfirm
        /// Answers of the simulated services, delivered a few at a time.
        var pending: [Msg] = []
        var steps = 0, keys = 0, pastes = 0, resizes = 0, sessions = 1
        var typedConfirmations = 0, quickConfirmations = 0, sends = 0
        var problems: [String] = []

        static let letters = Array("sxqynmtekjlrdpgGf!?123456789abc{}\":, ;=-_.")
        static let special: [Key] = [.enter, .escape, .tab, .backTab, .backspace, .delete, .up, .down, .left, .right,
                                     .pageUp, .pageDown, .home, .end, .function(1), .ctrl("u"), .ctrl("w"), .ctrl("a"),
                                     .ctrl("e"), .ctrl("k"), .ctrl("c")]

        init(seed: UInt64, policy: ProductionConfirm) {
            rng = SeededGenerator(state: seed)
            self.policy = policy
            state = Self.fresh(policy)
        }

        static func fresh(_ policy: ProductionConfirm) -> ConsoleState {
            var s = UpdateTests.production()
            s.active?.productionConfirm = policy
            s.profiles = s.profiles.map { var p = $0; p.productionConfirm = policy; return p }
            s.reports = ReportStore(capacity: 500)
            return s
        }

        mutating func random(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }

        mutating func apply(_ msg: Msg) {
            steps += 1
            let before = state
            let effects = Update.apply(&state, msg)
            problems += MonkeyTests.violations(before: before, msg, effects)
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
            case .quit:
                // The console quit: the next operator starts a new session.
                sessions += 1
                state = Self.fresh(policy)
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
                let pieces = ["s", "q", "xyz s", "\n", "ing-production-players", "{\"a\": 1}", "y", "\u{1B}[A", "é", "\t", "\r\n"]
                apply(.paste((0..<(1 + random(4))).map { _ in pieces[random(pieces.count)] }.joined()))
            case 80..<86:
                resizes += 1
                apply(.resize(width: 40 + random(140), height: 10 + random(50)))
            case 86..<90:
                apply(.tick(now: state.now + Double(random(3))))
            default:
                // Service answers arrive, in order.
                for _ in 0..<min(pending.count, 1 + random(3)) { apply(pending.removeFirst()) }
            }
        }
    }

    @Test(arguments: [(ProductionConfirm.typed, UInt64(14_001)), (.typedFirst, 14_002)])
    func randomInputNeverSendsUnconfirmed(policy: ProductionConfirm, seed: UInt64) {
        var monkey = Monkey(seed: seed, policy: policy)
        while monkey.keys + monkey.pastes + monkey.resizes < 100_000 { monkey.step() }
        #expect(monkey.problems.isEmpty, "\(monkey.problems.prefix(5))")
        // The monkey reached the guarded path, so the check above means something.
        #expect(monkey.typedConfirmations > 20, "typed \(monkey.typedConfirmations)")
        if policy == .typedFirst { #expect(monkey.quickConfirmations > 0, "quick \(monkey.quickConfirmations)") }
        print("monkey \(policy.rawValue): \(monkey.keys) keys, \(monkey.pastes) pastes, \(monkey.resizes) resizes, \(monkey.sessions) sessions, "
              + "\(monkey.sends) sends (\(monkey.typedConfirmations) typed, \(monkey.quickConfirmations) y/N), \(monkey.steps) updates")
    }
}
