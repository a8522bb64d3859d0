import Foundation
import ConsolePreview
import IngestModel
import Testing
@testable import IngestTUI

/// A terminal in memory: frames are kept, clipboard text is recorded.
final class GridBackend: TerminalBackend, @unchecked Sendable {
    // Only touched from the test's task.
    private(set) var frames: [Grid] = []
    private(set) var copied: [String] = []
    func start(post: @escaping @Sendable (Msg) -> Void) throws {}
    func present(_ grid: Grid) { frames.append(grid) }
    func copyToClipboard(_ text: String) { copied.append(text) }
    func stop() {}
}

/// Drives `update` as the runtime does, through the real `EffectRunner` and message queue,
/// over `PreviewServices` with a fixed clock, stepping until nothing is left to do, so
/// screens are deterministic.
struct Harness {
    var state: ConsoleState
    /// Every effect `update` returned, in order.
    var effects: [Effect] = []
    let services = PreviewServices(reportDelay: .zero)
    let backend = GridBackend()
    let queue = MessageQueue()
    let runner: EffectRunner<PreviewServices>
    var now = 1000.0
    /// Run sends to completion (otherwise the send effect is only recorded).
    var runSends = true
    /// Run doctor checks to completion (otherwise the doctor effect is only recorded).
    var runDoctor = true

    init(profile: String, width: Int = 80, height: Int = 24, runSends: Bool = true) async {
        runner = EffectRunner(services: services, queue: queue, backend: backend, preview: PreviewServices.preview)
        let (s, e) = Update.start(initialProfile: profile)
        state = s
        state.width = width
        state.height = height
        state.now = now
        self.runSends = runSends
        await run(e)
    }

    mutating func send(_ msg: Msg) async {
        await run(Update.apply(&state, msg))
    }

    mutating func press(_ keys: Key...) async {
        for k in keys { await send(.key(k)) }
    }

    mutating func type(_ text: String) async {
        for k in Key.typing(text) { await send(.key(k)) }
    }

    /// Runs effects and applies what comes back until the console is idle.
    mutating func run(_ list: [Effect]) async {
        var pending = list
        while !pending.isEmpty {
            effects += pending
            let runnable = pending.filter { effect in
                switch effect {
                case .send: return runSends
                case .doctor: return runDoctor
                default: return true
                }
            }
            pending = []
            var messages = runner.run(runnable)
            await runner.idle()
            messages += queue.drainNow()
            for message in messages {
                // The send's events carry the harness's clock, not the wall clock.
                if case .sendEvents(let id, let events, _) = message {
                    pending += Update.apply(&state, .sendEvents(id: id, events, now: now))
                } else {
                    pending += Update.apply(&state, message)
                }
            }
        }
    }

    var sendEffects: [SendRequest] {
        effects.compactMap { if case .send(let r) = $0 { return r } else { return nil } }
    }

    var screen: Grid { Render.screen(state) }

    /// Selects a compose field by walking with j/k from wherever the cursor is.
    mutating func selectField(_ f: ComposeField) async {
        while state.compose.field.rawValue > f.rawValue { await press(.char("k")) }
        while state.compose.field.rawValue < f.rawValue { await press(.char("j")) }
    }

    /// Replaces a compose text field's content.
    mutating func setField(_ f: ComposeField, _ text: String) async {
        await selectField(f)
        await press(.enter)
        let n = state.compose[text: f]?.text.count ?? 0
        if f == .value {
            for _ in 0..<40 { await press(.down) }
            await press(.end)
            for _ in 0..<(n + 40) { await press(.backspace) }
        } else {
            await press(.end)
            for _ in 0..<n { await press(.backspace) }
        }
        for k in Key.typing(text) { await press(k == .enter && f != .value ? .char(" ") : k) }
        await press(.escape)
    }
}

/// Golden screens: plain text files under Golden/, re-recorded with INGEST_RECORD_GOLDEN=1.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static var recording: Bool { ProcessInfo.processInfo.environment["INGEST_RECORD_GOLDEN"] == "1" }

    static func check(_ grid: Grid, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = directory.appendingPathComponent("\(name).\(grid.width)x\(grid.height).txt")
        let actual = grid.textLines().joined(separator: "\n") + "\n"
        if recording {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("missing golden file \(file.lastPathComponent); run with INGEST_RECORD_GOLDEN=1 to record it.\nScreen:\n\(actual)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("screen differs from \(file.lastPathComponent) (re-record with INGEST_RECORD_GOLDEN=1 if intended):\n\(diff(expected, actual))", sourceLocation: sourceLocation)
        }
    }

    /// Line-by-line diff: the lines that differ, expected (-) then actual (+).
    static func diff(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(e.count, a.count) {
            let el = i < e.count ? String(e[i]) : "<none>"
            let al = i < a.count ? String(a[i]) : "<none>"
            if el != al { out.append("line \(i + 1)\n  - |\(el)|\n  + |\(al)|") }
        }
        return out.joined(separator: "\n")
    }
}
