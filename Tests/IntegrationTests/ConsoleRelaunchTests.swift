import Foundation
import Testing
import TestSupport
@testable import IngestCore

/// Issue 14, item 6, on the real binary in tmux: what a session leaves is there after a
/// relaunch with the same state directory.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ConsoleRelaunchTests {
    let e2e = ConsoleEndToEndTests()

    /// Key, mode and count typed in one session come back in the next; so does Load's path.
    @Test(.timeLimit(.minutes(2)))
    func theDraftSurvivesARelaunch() async throws {
        let workspace = try Workspace("draft")
        do {
            let session = try #require(TmuxSession())
            defer { session.kill() }
            await e2e.startOnLocalSandbox(session, workspace: workspace)
            for _ in 0..<7 { session.keys("k") }
            session.keys("Enter")
            session.type("player-{{seq}}")
            session.keys("Escape", "m")
            for _ in 0..<4 { session.keys("j") }
            session.keys("Enter", "C-u")
            session.type("3")
            session.keys("Enter")
            _ = await e2e.waitFor(session) { $0.contains("Count     3") && $0.contains("[batch]") }
            session.keys("5", "Enter")
            session.type("/tmp/some-events.jsonl")
            session.keys("Enter", "q")
            #expect(await session.waitForExit(10), "the console did not quit")
        }
        let session = try #require(TmuxSession())
        defer { session.kill() }
        await e2e.startOnLocalSandbox(session, workspace: workspace)
        let back = await e2e.waitFor(session) { $0.contains("Key       player-{{seq}}") }
        #expect(back.ok, "the draft did not come back:\n\(back.screen)")
        #expect(back.screen.contains("[batch]") && back.screen.contains("Count     3"), "\(back.screen)")
        session.keys("5")
        let load = await e2e.waitFor(session, 5) { $0.contains("/tmp/some-events.jsonl") }
        #expect(load.ok, "Load's path did not come back:\n\(load.screen)")
        session.keys("q")
        _ = await session.waitForExit(10)
    }

    /// A send of an earlier session is listed in History and loads back into Compose with
    /// its own key (not the draft's, changed after it), and sends again.
    @Test(.timeLimit(.minutes(2)))
    func anEarlierSessionsSendLoadsBackFromHistory() async throws {
        let workspace = try Workspace("history")
        do {
            let session = try #require(TmuxSession())
            defer { session.kill() }
            await e2e.startOnLocalSandbox(session, workspace: workspace)
            for _ in 0..<7 { session.keys("k") }
            session.keys("Enter")
            session.type("first-{{seq}}")
            session.keys("Escape", "s")
            let sent = await e2e.waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
            #expect(sent.ok, "\(sent.screen)")
            session.keys("1", "Enter", "C-u")
            session.type("second")
            session.keys("Escape")
            _ = await e2e.waitFor(session) { $0.contains("Key       second") }
            session.keys("q")
            #expect(await session.waitForExit(10))
        }
        let session = try #require(TmuxSession())
        defer { session.kill() }
        await e2e.startOnLocalSandbox(session, workspace: workspace)
        _ = await e2e.waitFor(session) { $0.contains("Key       second") }
        session.keys("6")
        let listed = await e2e.waitFor(session) { $0.contains(" done ") && $0.contains("local: single →") }
        #expect(listed.ok, "the earlier send is not in History:\n\(listed.screen)")
        session.keys("Enter")
        let loaded = await e2e.waitFor(session) { $0.contains("Key       first-{{seq}}") && $0.contains("loaded into Compose") }
        #expect(loaded.ok, "the earlier send did not load into Compose:\n\(loaded.screen)")
        session.keys("s")
        let again = await e2e.waitFor(session) { $0.contains("send #1 finished: 1 delivered") }
        #expect(again.ok, "\(again.screen)")
        session.keys("q")
        _ = await session.waitForExit(10)
        let runs = try JournalStore(directory: workspace.state.path).runs()
        #expect(runs.count == 2 && runs.allSatisfy { $0.delivered == 1 })
    }
}
