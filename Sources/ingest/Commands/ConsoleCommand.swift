import ArgumentParser
import Foundation
import IngestConsole
import IngestCore
import IngestTUI

/// `ingest` with no subcommand: the console, on the local sandbox unless told otherwise.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the console (what `ingest` with no subcommand does)."
    )

    @Option(help: "Profile to start on (name or path to a .toml file).") var profile = "local"
    @Option(help: "Theme file (themes/*.toml); NO_COLOR is honoured.") var theme: String?

    func run() async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            Output.error("ingest: the console needs a terminal; for scripts use `ingest send` (see ingest --help)")
            throw ExitCode(Exit.usage)
        }
        // A profile given as a path: its folder joins the search, and it is known by its file name.
        var store = ProfileStore.standard()
        var initial = profile
        if profile.hasSuffix(".toml") || profile.contains("/") {
            let url = URL(fileURLWithPath: profile).standardizedFileURL
            store.directories.insert(url.deletingLastPathComponent(), at: 0)
            initial = url.deletingPathExtension().lastPathComponent
        }
        let services = LiveConsoleServices(store: store)
        let code: Int32
        do {
            code = try await Console.run(services: services, initialProfile: initial, themePath: theme ?? Self.defaultTheme())
        } catch {
            await services.close()
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.notAllDelivered)
        }
        await services.close()
        if code != 0 { throw ExitCode(code) }
    }

    /// `themes/default-dark.toml` from the checkout the binary was built in, if it is there.
    static func defaultTheme() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let candidate = executable.deletingLastPathComponent().appendingPathComponent("../../../themes/default-dark.toml").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
}
