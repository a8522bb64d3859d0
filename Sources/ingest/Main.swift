import ArgumentParser
import Foundation

/// Exit codes: 0 every record delivered; 1 some failed or unknown, or the platform refused;
/// 2 usage, profile or input errors (nothing sent).
enum Exit {
    static let allDelivered: Int32 = 0
    static let notAllDelivered: Int32 = 1
    static let usage: Int32 = 2
}

@main
struct Main {
    static func main() async {
        do {
            var command = try Ingest.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Ingest.exitCode(for: error)
            if code == .success {
                print(Ingest.fullMessage(for: error))
                Foundation.exit(0)
            }
            Output.error(Ingest.fullMessage(for: error))
            // Usage errors are 2, whatever argument-parser would say.
            Foundation.exit(Exit.usage)
        }
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Send events into the Future Anthem ingestion platform (REST Proxy v3 / Kafka).",
        discussion: "With no subcommand, opens the console on the local sandbox profile.",
        subcommands: [ConsoleCommand.self, Send.self, Check.self, Discover.self, DoctorCommand.self, Profiles.self, JournalCommand.self, Replay.self, SandboxCommand.self, ImportProperties.self, Demo.self],
        defaultSubcommand: ConsoleCommand.self
    )
}

/// stderr output that is written at once.
enum Output {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Written at once (not block-buffered), so a pipe sees each report as it comes.
    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }
}
