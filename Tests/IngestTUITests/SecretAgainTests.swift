import IngestModel
import Testing
@testable import IngestTUI

/// Issue 14, item 3: a mistyped prompted secret does not stick. Activating the profile again
/// asks again and rebuilds its connections, so what was found with the old secret (discovery,
/// the doctor's verdict) goes too; never under a send still running through it.
@Suite struct SecretAgainTests {
    typealias U = UpdateTests

    static let prompted = ProfileSummary(name: "p", environment: .dev, source: "t", topicPrefix: "ing-staging-", baseURL: "u",
                                         maskedAPIKey: "(prompt)", needsPromptedSecret: true)

    /// The prompted profile active with `secret`, Compose's topic set.
    static func active(_ secret: String = "wrong-key") -> ConsoleState {
        var (s, _) = Update.start(initialProfile: "p")
        s = update(s, .profilesLoaded([prompted])).0
        s = U.keys(s, Key.typing(secret) + [.enter]).0
        s = update(s, .activated(profile: "p", .success(prompted))).0
        U.setTopic(&s, "events")
        return s
    }

    @Test func activatingAgainForgetsWhatTheOldSecretFound() {
        var s = Self.active()
        // With the wrong key: discovery failed and the doctor stopped at the API key.
        s = update(s, .discovered(profile: "p", .failure(ServiceFailure("403 Forbidden")))).0
        var e: [Effect]
        (s, e) = U.keys(s, [.char("7")])
        guard case .doctor(let run, _, _)? = e.first(where: { if case .doctor = $0 { true } else { false } }) else {
            Issue.record("entering Doctor runs it: \(e)")
            return
        }
        s = update(s, .doctorStep(run: run, DoctorCheck(.apiKey, status: .fail, detail: "403", advice: "check the key"))).0
        s = update(s, .doctorEnded(run: run)).0
        #expect(s.doctor.phase == .finished && s.doctor.failure != nil)

        // Profiles, Enter: asked again; the new key goes to the services.
        (s, _) = U.keys(s, [.char("3"), .enter])
        guard case .secret(profile: "p", _, _, _)? = s.modal else {
            Issue.record("re-activating did not ask again: \(String(describing: s.modal))")
            return
        }
        (s, e) = U.keys(s, Key.typing("right-key") + [.enter])
        #expect(e == [.activate(profile: "p", prompted: PromptedSecrets(apiKey: "right-key"))])
        s = update(s, .activated(profile: "p", .success(Self.prompted))).0
        #expect(s.discovery == DiscoveryState(), "discovery made with the old key is still shown")
        #expect(s.doctor.steps.isEmpty && s.doctor.phase != .finished, "the old key's doctor verdict is still shown")
        // Back in Doctor, the checks run again, on the new connections.
        (_, e) = U.keys(s, [.char("7")])
        #expect(e.contains { if case .doctor = $0 { true } else { false } }, "Doctor did not run again: \(e)")
    }

    @Test func notWhileASendRunsThroughIt() {
        var s = Self.active()
        var e: [Effect]
        (s, e) = U.keys(s, [.char("s")])
        #expect(U.sends(e).count == 1)
        (s, e) = U.keys(s, [.char("3"), .enter])
        #expect(s.modal == nil, "asked for a secret under a running send")
        #expect(U.withoutDrafts(e).isEmpty)
        #expect(s.status?.text.contains("send #1 is running through p") == true, "\(String(describing: s.status))")
    }
}
