import Foundation

public struct ToolRunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a command-line tool (kcat, tansu) to its end, bounded in time, and returns its
/// standard output. Both pipes are read while it runs, so a chatty tool never blocks.
public enum ToolRun {
    @discardableResult
    public static func output(_ executable: String, _ arguments: [String], input: Data? = nil,
                              timeout: Duration = .seconds(60), requireSuccess: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        let (seconds, attoseconds) = timeout.components
        DispatchQueue.global().asyncAfter(deadline: .now() + Double(seconds) + Double(attoseconds) / 1e18, execute: killer)
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        process.waitUntilExit()
        killer.cancel()
        if requireSuccess, process.terminationStatus != 0 {
            throw ToolRunError(
                "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

extension ToolRun {
    /// The same as `output`, awaited without holding a thread: the process's end and its
    /// pipes are waited for on Dispatch, so Swift concurrency's few threads stay free for the
    /// servers a test runs in its own process.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil,
                           timeout: Duration = .seconds(60), requireSuccess: Bool = true) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try output(executable, arguments, input: input, timeout: timeout, requireSuccess: requireSuccess)
                })
            }
        }
    }

    /// The path of a tool installed from Debian packages, or nil.
    public static func which(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// kcat's path, or an error that says how to install it.
    public static func kcat() throws -> String {
        guard let path = which("kcat") else {
            throw ToolRunError("kcat not found: apt-get install -y kcat librdkafka-dev")
        }
        return path
    }
}
