import Foundation
import IngestCore

/// Copies text where it can be pasted from, for terminals that ignore OSC 52 (which the
/// console always sends too): tmux's paste buffer inside tmux, else wl-copy or xclip when a
/// display and the tool are there, else a file in the state directory. Says where it went.
struct Clipboard: Sendable {
    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Where the file goes when nothing else takes the text.
    var stateDirectory: String = JournalStore.defaultDirectory()

    func copy(_ text: String) -> String {
        let data = Data(text.utf8)
        if has("TMUX"), let tmux = find("tmux") {
            // -w also hands it to the outer terminal's clipboard (tmux 3.2 and later).
            if run(tmux, ["load-buffer", "-w", "-"], input: data) || run(tmux, ["load-buffer", "-"], input: data) {
                return "the tmux paste buffer (prefix ] pastes it)"
            }
        }
        if has("WAYLAND_DISPLAY"), let tool = find("wl-copy"), run(tool, [], input: data) {
            return "the clipboard (wl-copy)"
        }
        if has("DISPLAY"), let tool = find("xclip"), run(tool, ["-selection", "clipboard"], input: data) {
            return "the clipboard (xclip)"
        }
        let path = (stateDirectory as NSString).appendingPathComponent("clipboard.txt")
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
            // Owner-only, like the journal: a copied record may hold what others should not read.
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            return path
        } catch {
            return "nowhere: \(path) could not be written (\(error.localizedDescription))"
        }
    }

    private func has(_ name: String) -> Bool { !(environment[name] ?? "").isEmpty }

    /// A program on PATH, if there is one.
    func find(_ program: String) -> String? {
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs a program with `input` on its stdin; true when it exits 0 within 3 seconds.
    private func run(_ program: String, _ arguments: [String], input: Data) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = environment
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            return false
        }
        return process.terminationStatus == 0
    }
}
