import Foundation

/// Where an installed `ingest` finds what ships beside it: `PREFIX/bin/ingest` reads
/// `PREFIX/share/ingest/{profiles,themes}`; a binary built in a checkout
/// (`.build/<config>/ingest`) reads the checkout's `profiles/` and `themes/`.
public enum InstallLayout {
    /// The running executable, symlinks resolved.
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
    }

    /// Directories holding `profiles/` and `themes/`, installed one first.
    public static func shareDirectories(executable: URL = executable) -> [URL] {
        let bin = executable.deletingLastPathComponent()
        return [
            bin.appendingPathComponent("../share/ingest").standardizedFileURL,
            bin.appendingPathComponent("../../..").standardizedFileURL,
        ].filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("profiles").path) || FileManager.default.fileExists(atPath: $0.appendingPathComponent("themes").path) }
    }

    /// The first `kind/name` (e.g. `themes/light.toml`) that exists beside the binary.
    public static func shipped(_ kind: String, _ name: String, executable: URL = executable) -> URL? {
        shareDirectories(executable: executable).map { $0.appendingPathComponent(kind).appendingPathComponent(name) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// `$XDG_CONFIG_HOME/ingest` (or `~/.config/ingest`).
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return URL(fileURLWithPath: config).appendingPathComponent("ingest")
        }
        return URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config/ingest")
    }
}
