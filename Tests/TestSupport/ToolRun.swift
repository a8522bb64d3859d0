import Foundation

public struct ToolRunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a command-line tool (kcat, tansu) to its end, bounded in time, and returns its
/// standard output: `ChildProcess` for synchronous callers. Async tests use
/// `ChildProcess.run` or `KcatRun`, which do not hold a thread of the cooperative pool.
public enum ToolRun {
    @discardableResult
    public static func output(_ executable: String, _ arguments: [String], input: Data? = nil,
                              timeout: Duration = .seconds(60), requireSuccess: Bool = true) throws -> String {
        let run = try ChildProcess.runBlocking(executable, arguments, stdin: input, timeout: timeout)
        if run.timedOut {
            throw ToolRunError("\(executable) \(arguments.joined(separator: " ")) did not end in \(timeout): \(run.stderr.suffix(1000))")
        }
        if requireSuccess, run.status != 0 {
            throw ToolRunError("\(executable) \(arguments.joined(separator: " ")) exited \(run.status): \(run.stderr.suffix(1000))")
        }
        return run.stdout
    }
}

extension ToolRun {
    /// The same as `output`, awaited without holding a thread of the cooperative pool, so the
    /// servers a test runs in its own process keep their threads.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil,
                           timeout: Duration = .seconds(60), requireSuccess: Bool = true) async throws -> String {
        let run = try await ChildProcess.run(executable, arguments, stdin: input, timeout: timeout)
        if run.timedOut {
            throw ToolRunError("\(executable) \(arguments.joined(separator: " ")) did not end in \(timeout): \(run.stderr.suffix(1000))")
        }
        if requireSuccess, run.status != 0 {
            throw ToolRunError("\(executable) \(arguments.joined(separator: " ")) exited \(run.status): \(run.stderr.suffix(1000))")
        }
        return run.stdout
    }
}
