import Foundation
import Testing
import TestSupport
@testable import IngestTUI

/// The real binary in a real terminal: tmux at 80x24, keys in, screen text out.
@Suite(.serialized) struct TmuxSmokeTests {
    static let tmux = TmuxSession.tmux

    /// The demo binary next to the test bundle (swift test builds every product).
    static func demoBinary() -> String? {
        var candidates: [URL] = []
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("ingest-tui-demo"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("ingest-tui-demo"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ingest-tui-demo"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed"), .timeLimit(.minutes(1)))
    func bannerViewsAndQuit() async throws {
        guard let binary = Self.demoBinary() else {
            Issue.record("ingest-tui-demo not built next to the tests (swift build --product ingest-tui-demo)")
            return
        }
        let s = TmuxSession()!
        defer { s.kill() }  // always, whatever happens
        let started = s.run(["new-session", "-d", "-s", s.name, "-x", "80", "-y", "24", "env TERM=screen NO_COLOR= \(binary) prod"])
        #expect(started.status == 0, "tmux new-session: \(started.output)")

        let first = await s.waitFor { $0.contains("PRODUCTION") && $0.contains("Value (JSON)") }
        #expect(first.ok, "no banner/compose view:\n\(first.screen)")

        s.keys("2")
        let reports = await s.waitFor { $0.contains("no reports yet") }
        #expect(reports.ok, "no reports view:\n\(reports.screen)")
        #expect(reports.screen.contains("PRODUCTION"))

        s.keys("?")
        let help = await s.waitFor { $0.contains("Help: Reports") }
        #expect(help.ok, "no help overlay:\n\(help.screen)")

        s.keys("Escape")
        _ = await s.waitFor { !$0.contains("Help: Reports") }
        s.keys("q")
        #expect(await s.waitForExit(10), "the console did not quit on q")
    }
}
