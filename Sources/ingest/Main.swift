import ArgumentParser
import Foundation
import IngestCore
import NIOCore
import NIOPosix

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
        var settings = IngestLogging.Settings()
        let arguments: [String]
        do {
            // Logging options may stand anywhere on the line, for every command.
            (settings, arguments) = try IngestLogging.settings(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
        } catch {
            Output.error("ingest: \(error)")
            Foundation.exit(Exit.usage)
        }
        do {
            var command = try Ingest.parseAsRoot(arguments)
            // Curses owns the console's terminal: its log goes to a file unless one is named.
            if command is ConsoleCommand, settings.file == nil {
                let directory = JournalStore.defaultDirectory()
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                settings.file = (directory as NSString).appendingPathComponent("console.log")
            }
            // Single sends run their tasks on NIO's event loops: an answer then resumes the
            // sending task on the thread that read it, not after a hop to Swift's pool, which
            // was most of a request's latency on loopback (bench/rest.sh). Not for streams,
            // batches and native sends: their sending tasks read files and wait on other
            // threads, which would hold up an event loop meanwhile (measured slower).
            if let send = command as? Send, send.sendsSingleRequests {
                NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            do { try IngestLogging.bootstrap(settings) } catch {
                Output.error("ingest: \(error)")
                Foundation.exit(Exit.usage)
            }
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
        discussion: """
            With no subcommand, opens the console on the local sandbox profile.

            Every command takes --log-level (trace, debug, info, notice, warning, error, critical; default warning) \
            and --log-file PATH (default stderr; for the console, console.log in the state directory), or \
            INGEST_LOG_LEVEL / INGEST_LOG_FILE. Secrets are masked in every line.
            """,
        version: IngestVersion.current,
        subcommands: [ConsoleCommand.self, Send.self, Check.self, Discover.self, DoctorCommand.self, Profiles.self, SavedSends.self, JournalCommand.self, Replay.self, SandboxCommand.self, ImportProperties.self, InitCommand.self, Demo.self],
        defaultSubcommand: ConsoleCommand.self
    )
}

/// Output written at once (not block-buffered), so a pipe sees each report as it comes.
/// Every line passes the secret scrubber: a server may echo what it was sent.
enum Output {
    static func error(_ text: String) {
        let scrubbed = SecretScrubber.scrub(text)
        FileHandle.standardError.write(Data((scrubbed.hasSuffix("\n") ? scrubbed : scrubbed + "\n").utf8))
    }

    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((SecretScrubber.scrub(text) + terminator).utf8))
    }
}
