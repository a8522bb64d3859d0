import Foundation
import Testing
import TestSupport
@testable import IngestConsole

/// Copying where OSC 52 does not work (issue 14, item 10): the tmux paste buffer inside tmux,
/// else a file in the state directory (owner-only); the console is told where it went.
@Suite(.serialized) struct ClipboardTests {
    @Test func withoutTmuxOrADisplayItGoesToAFile() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-clip-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let clipboard = Clipboard(environment: ["PATH": "/usr/bin:/bin"], stateDirectory: state)
        let place = clipboard.copy("{\"a\":1}")
        #expect(place == state + "/clipboard.txt")
        #expect(try String(contentsOfFile: place, encoding: .utf8) == "{\"a\":1}")
        let mode = try FileManager.default.attributesOfItem(atPath: place)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(.enabled(if: TmuxSession.tmux != nil, "tmux is not installed"))
    func insideTmuxItGoesToThePasteBuffer() throws {
        let session = try #require(TmuxSession())
        defer { session.kill() }
        session.start("sleep 30")
        let socket = session.run(["display-message", "-p", "#{socket_path}"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!socket.isEmpty)
        let clipboard = Clipboard(environment: ["PATH": "/usr/bin:/bin", "TMUX": "\(socket),1,0"], stateDirectory: "/nonexistent")
        #expect(clipboard.copy("b-1:9096,b-2:9096") == "the tmux paste buffer (prefix ] pastes it)")
        #expect(session.run(["show-buffer"]).output == "b-1:9096,b-2:9096")
    }
}
