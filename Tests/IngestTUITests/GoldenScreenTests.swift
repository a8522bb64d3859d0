import IngestModel
import Testing
@testable import IngestTUI

/// Every view and state at 80x24, a few at 120x40. Files in Golden/; INGEST_RECORD_GOLDEN=1 re-records.
@Suite struct GoldenScreenTests {
    @Test func composeInitial() async {
        let h = await Harness(profile: "dev")
        Golden.check(h.screen, "compose-initial")
    }

    @Test func composeFilledWithPreview() async {
        var h = await Harness(profile: "dev")
        await h.setField(.topic, "players")
        await h.setField(.key, "player-{{seq}}")
        await h.setField(.headers, "source=console; trace={{uuid}}")
        await h.setField(.value, "{\n  \"playerId\": \"{{uuid}}\",\n  \"seq\": {{seq}},\n  \"name\": \"日本語 ok\"\n}")
        Golden.check(h.screen, "compose-filled")
    }

    @Test func composeJSONError() async {
        var h = await Harness(profile: "dev")
        await h.setField(.topic, "players")
        await h.setField(.value, "{\n  \"playerId\": \"p1\",\n  \"amount\": 12,,\n}")
        if case .invalid(let line, _, _)? = h.state.compose.validation { #expect(line == 3) } else { Issue.record("expected invalid JSON") }
        await h.press(.char("s"))
        #expect(h.sendEffects.isEmpty)
        Golden.check(h.screen, "compose-json-error")
    }

    @Test func composeEditing() async {
        var h = await Harness(profile: "sandbox")
        await h.selectField(.value)
        await h.press(.enter, .char("x"))
        Golden.check(h.screen, "compose-editing")
    }

    @Test func productionBanner() async {
        var h = await Harness(profile: "prod")
        await h.setField(.topic, "players")
        Golden.check(h.screen, "production-banner")
        #expect(h.screen[0, 0].role == .productionBanner)
        #expect(h.screen.line(0).contains("PRODUCTION"))
    }

    @Test func productionConfirmation() async {
        var h = await Harness(profile: "prod")
        await h.setField(.topic, "players")
        await h.press(.char("s"))
        await h.type("ing-production-play")
        Golden.check(h.screen, "production-confirm")
        await h.press(.enter)
        Golden.check(h.screen, "production-confirm-mismatch")
    }

    @Test func reportsEmpty() async {
        var h = await Harness(profile: "dev")
        await h.press(.char("2"))
        Golden.check(h.screen, "reports-empty")
    }

    static func sending(width: Int = 80, height: Int = 24) async -> Harness {
        var h = await Harness(profile: "dev", width: width, height: height, runSends: false)
        await h.setField(.topic, "players")
        await h.press(.char("m"), .char("m"))  // stream
        await h.setField(.count, "1000")
        await h.setField(.rate, "50")
        await h.press(.char("s"))
        let id = h.sendEffects.last!.id
        // Reports arrive over a few seconds; some fail, one is unknown.
        var seq = 0
        for second in 0..<6 {
            var reports: [DeliveryReport] = []
            for k in 0..<(10 + second * 4) {
                seq += 1
                let outcome: Outcome = seq % 17 == 0 ? .failed(code: 400, message: "Bad Request: value is not valid JSON")
                    : seq == 40 ? .unknown(message: "no report before the connection closed")
                    : .delivered(partition: seq % 3, offset: Int64(5000 + seq), timestamp: "2026-11-25T03:00:0\(second).\(100 + k)Z")
                reports.append(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: Double(2 + seq % 9)))
            }
            let events: [SendEvent] = [.reports(reports, sent: seq + 64)]
            h.now = 1000 + Double(second)
            await h.send(.sendEvents(id: id, events, now: h.now))
        }
        await h.send(.tick(now: 1006.1))
        return h
    }

    @Test func reportsSending() async {
        let h = await Self.sending()
        Golden.check(h.screen, "reports-sending")
    }

    @Test func reportsSendingWide() async {
        let h = await Self.sending(width: 120, height: 40)
        Golden.check(h.screen, "reports-sending")
    }

    @Test func reportsProblemsOnly() async {
        var h = await Self.sending()
        await h.press(.char("e"))
        Golden.check(h.screen, "reports-problems")
    }

    @Test func reportsDetail() async {
        var h = await Self.sending()
        await h.press(.char("e"), .char("k"), .enter)
        Golden.check(h.screen, "reports-detail")
    }

    @Test func profiles() async {
        var h = await Harness(profile: "dev")
        await h.press(.char("3"))
        Golden.check(h.screen, "profiles")
    }

    @Test func secretPrompt() async {
        var h = await Harness(profile: "dev-prompt")
        await h.type("s3cr3t")
        Golden.check(h.screen, "secret-prompt")
        #expect(!h.screen.textLines().joined().contains("s3cr3t"))
    }

    @Test func discovery() async {
        var h = await Harness(profile: "dev")
        await h.press(.char("4"))
        Golden.check(h.screen, "discovery-empty")
        await h.press(.char("d"))
        Golden.check(h.screen, "discovery")
    }

    @Test func load() async {
        var h = await Harness(profile: "dev")
        await h.press(.char("5"), .enter)
        await h.type("/data/ev")
        await h.press(.tab)
        Golden.check(h.screen, "load-completions")
        await h.type(".")
        await h.press(.tab, .escape, .char("l"))
        Golden.check(h.screen, "load")
    }

    @Test func history() async {
        var h = await Harness(profile: "dev")
        await h.setField(.topic, "players")
        await h.press(.char("m"))  // batch
        await h.setField(.count, "250")
        await h.press(.char("s"), .char("6"))
        Golden.check(h.screen, "history")
        await h.press(.char("r"))
        Golden.check(h.screen, "history-resend-ask")
    }

    @Test func doctorPassed() async {
        var h = await Harness(profile: "sandbox")
        await h.setField(.topic, "events")
        await h.press(.char("7"))
        Golden.check(h.screen, "doctor-passed")
    }

    @Test func doctorFailed() async {
        var h = await Harness(profile: "dev")
        await h.setField(.topic, "players")
        await h.press(.char("7"))
        Golden.check(h.screen, "doctor-failed")
    }

    @Test func doctorRunning() async {
        var h = await Harness(profile: "dev")
        h.runDoctor = false
        await h.setField(.topic, "players")
        await h.press(.char("7"))
        for step in h.services.doctorSteps(profile: "dev", topic: "ing-staging-players").prefix(4) {
            await h.send(.doctorStep(run: 1, step))
        }
        Golden.check(h.screen, "doctor-running")
    }

    @Test func helpOverlay() async {
        var h = await Harness(profile: "dev")
        await h.press(.char("?"))
        Golden.check(h.screen, "help-compose")
        await h.press(.char("x"), .char("2"), .char("?"))
        Golden.check(h.screen, "help-reports")
    }

    @Test func tooSmall() async {
        var h = await Harness(profile: "prod")
        await h.send(.resize(width: 60, height: 20))
        Golden.check(h.screen, "too-small")
        #expect(h.screen.textLines().joined(separator: "\n").contains("terminal too small (need 80x24, have 60x20)"))
    }

    @Test func composeWide() async {
        var h = await Harness(profile: "prod", width: 120, height: 40)
        await h.setField(.topic, "players")
        Golden.check(h.screen, "production-banner")
    }
}
