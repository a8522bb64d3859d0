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
    @Option(help: "Where saved sends are kept (default $XDG_CONFIG_HOME/ingest/sends), as for ingest send --sends.") var sends: String?
    @Option(help: "Theme: a name (default-dark, light, high-contrast, or NAME.toml in $XDG_CONFIG_HOME/ingest/themes) or a file path; NO_COLOR is honoured.") var theme: String?

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
        let services = LiveConsoleServices(store: store, sends: SavedSendStore.standard(directory: sends))
        let code: Int32
        do {
            code = try await Console.run(services: services, initialProfile: initial, themePath: theme.map(Self.themePath) ?? Self.defaultTheme())
        } catch {
            await services.close()
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.notAllDelivered)
        }
        await services.close()
        if code != 0 { throw ExitCode(code) }
    }

    /// `themes/default-dark.toml` shipped beside the binary, if it is there; else the one built in.
    static func defaultTheme() -> String? {
        InstallLayout.shipped("themes", "default-dark.toml")?.path
    }

    /// A theme's name: the user's own (`$XDG_CONFIG_HOME/ingest/themes/NAME.toml`), then the
    /// shipped one; a path is taken as it is (a missing one is named on the status line).
    static func themePath(_ given: String) -> String {
        guard !given.contains("/"), !given.hasSuffix(".toml") else { return given }
        let own = InstallLayout.configDirectory().appendingPathComponent("themes/\(given).toml")
        if FileManager.default.fileExists(atPath: own.path) { return own.path }
        return InstallLayout.shipped("themes", given + ".toml")?.path ?? given
    }
}
