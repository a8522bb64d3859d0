import Foundation
import Testing
import TestSupport

/// In a real terminal (tmux), with the reports redirected, `ingest send` draws a progress bar
/// on stderr while sending and wipes it before the summary.
@Suite(.serialized, .enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
struct ProgressBarTests {
    @Test func barIsDrawnWhileSendingAndWipedAfter() async throws {
        let workspace = try Workspace("bar")
        defer { withExtendedLifetime(workspace) {} }
        var environment = workspace.environment()
        environment["TERM"] = "screen"
        let reports = workspace.root.appendingPathComponent("reports.jsonl").path
        let session = try #require(TmuxSession())
        defer { session.kill() }
        session.start("sh -c '\(IngestCLI.binary.path) send --profile local --topic events --count 200 --rate 50 --data {} > \(reports); echo EXIT=$?; sleep 30'",
                      environment: environment)
        let bar = await session.waitFor(40) { $0.contains("/200") && $0.contains("rec/s") && $0.contains("%") }
        #expect(bar.ok, "no progress bar:\n\(bar.screen)")
        #expect(bar.screen.contains("[#") || bar.screen.contains("[."), "\(bar.screen)")
        let done = await session.waitFor(40) { $0.contains("EXIT=") }
        #expect(done.screen.contains("EXIT=0"), "\(done.screen)")
        #expect(done.screen.contains("delivered 200, failed 0, unknown 0"))
        #expect(!done.screen.contains("rec/s"), "the bar was left on screen:\n\(done.screen)")
        let lines = try String(contentsOfFile: reports, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200)
    }
}
