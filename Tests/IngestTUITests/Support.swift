import Foundation
import Testing
@testable import IngestTUI

/// Drives `update` like the runtime does, running effects through PreviewServices with a fixed
/// clock, so screens are deterministic.
struct Harness {
    var state: ConsoleState
    /// Every effect `update` returned, in order.
    var effects: [Effect] = []
    var services = PreviewServices(reportDelay: .zero)
    var now = 1000.0
    /// Run sends to completion (otherwise the send effect is only recorded).
    var runSends = true
    /// Run doctor checks to completion (otherwise the doctor effect is only recorded).
    var runDoctor = true

    init(profile: String, width: Int = 80, height: Int = 24, runSends: Bool = true) async {
        let (s, e) = Update.start(initialProfile: profile)
        state = s
        state.width = width
        state.height = height
        state.now = now
        self.runSends = runSends
        await run(e)
    }

    mutating func send(_ msg: Msg) async {
        let e = Update.apply(&state, msg)
        await run(e)
    }

    mutating func press(_ keys: Key...) async {
        for k in keys { await send(.key(k)) }
    }

    mutating func type(_ text: String) async {
        for k in Key.typing(text) { await send(.key(k)) }
    }

    mutating func run(_ list: [Effect]) async {
        for e in list {
            effects.append(e)
            switch e {
            case .loadProfiles: await send(.profilesLoaded(await services.profiles()))
            case .activate(let name, let prompted):
                do { await send(.activated(profile: name, .success(try await services.activate(profile: name, prompted: prompted)))) } catch {
                    await send(.activated(profile: name, .failure(ServiceFailure("\(error)"))))
                }
            case .resolveTopic(let t, let p):
                do { await send(.topicResolved(topic: t, profile: p, .success(try services.fullTopic(t, profile: p)))) } catch {
                    await send(.topicResolved(topic: t, profile: p, .failure(ServiceFailure("\(error)"))))
                }
            case .validate(let rev, let ev): await send(.validated(revision: rev, services.validate(ev)))
            case .preview(let rev, let ev): await send(.previewed(revision: rev, services.preview(ev, seq: 1)))
            case .completePath(let p): await send(.completions(prefix: p, services.completePath(p)))
            case .send(let r):
                guard runSends else { continue }
                var events: [SendEvent] = []
                for await ev in services.send(profile: r.profile, topic: r.topic, events: r.source, mode: r.mode) { events.append(ev) }
                await send(.sendEvents(id: r.id, events, now: now))
                await send(.sendEnded(id: r.id))
            case .discover(let p):
                do { await send(.discovered(profile: p, .success(try await services.discover(profile: p)))) } catch {
                    await send(.discovered(profile: p, .failure(ServiceFailure("\(error)"))))
                }
            case .probe(let h): await send(.probed(hostPort: h, await services.probe(hostPort: h)))
            case .loadFile(let path, let limit):
                do {
                    let r = try await services.loadFile(path: path, limit: limit)
                    await send(.fileLoaded(path: path, .success(LoadedFile(count: r.count, first: r.first))))
                } catch {
                    await send(.fileLoaded(path: path, .failure(ServiceFailure("\(error)"))))
                }
            case .doctor(let run, let p, let t):
                guard runDoctor else { continue }
                for await step in services.doctor(profile: p, topic: t) { await send(.doctorStep(run: run, step)) }
                await send(.doctorEnded(run: run))
            case .cancelSend, .cancelDoctor, .copyToClipboard, .quit: break
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
