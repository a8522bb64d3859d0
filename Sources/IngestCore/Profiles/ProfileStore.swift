import Foundation

/// Finds profiles by name in the user's config directory, the templates shipped beside the
/// binary and the ones built into it, or takes a path to a `.toml` file.
public struct ProfileStore: Sendable {
    public var directories: [URL]
    /// Name -> TOML text, found when no directory has the name (the `local` sandbox profile).
    public var builtIn: [String: String]

    public init(directories: [URL], builtIn: [String: String] = BuiltInProfiles.all) {
        self.directories = directories
        self.builtIn = builtIn
    }

    /// `$INGEST_PROFILES_DIR`, `$XDG_CONFIG_HOME/ingest/profiles` (or `~/.config/...`),
    /// `./profiles`, `PREFIX/share/ingest/profiles` beside an installed binary (or the
    /// checkout's `profiles/` for one built there), then the built-in `local`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ProfileStore {
        var directories: [URL] = []
        if let dir = environment["INGEST_PROFILES_DIR"], !dir.isEmpty {
            directories.append(URL(fileURLWithPath: dir))
        }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            directories.append(URL(fileURLWithPath: config).appendingPathComponent("ingest/profiles"))
        } else if let home = environment["HOME"] {
            directories.append(URL(fileURLWithPath: home).appendingPathComponent(".config/ingest/profiles"))
        }
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("profiles"))
        directories += InstallLayout.shareDirectories().map { $0.appendingPathComponent("profiles") }
        var seen = Set<String>()
        return ProfileStore(directories: directories.filter { seen.insert($0.standardizedFileURL.path).inserted })
    }

    public struct Entry: Sendable {
        public var name: String
        public var file: URL
        /// The profile, or why it cannot be used.
        public var result: Result<Profile, ProfileError>
    }

    /// Every profile file found; a name found twice keeps the first (user config wins).
    public func all() -> [Entry] {
        var entries: [Entry] = []
        var names = Set<String>()
        for directory in directories {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for file in files.sorted() where file.hasSuffix(".toml") {
                let name = String(file.dropLast(5))
                guard names.insert(name).inserted else { continue }
                let url = directory.appendingPathComponent(file)
                entries.append(Entry(name: name, file: url, result: Result { try Self.read(url) }.mapError { $0 as? ProfileError ?? ProfileError(file: url.path, key: nil, problem: "\($0)") }))
            }
        }
        for (name, text) in builtIn.sorted(by: { $0.key < $1.key }) where names.insert(name).inserted {
            let origin = Self.builtInOrigin(name)
            entries.append(Entry(name: name, file: URL(fileURLWithPath: origin),
                                 result: Result { try ProfileParser.parse(text, file: origin) }.mapError { $0 as? ProfileError ?? ProfileError(file: origin, key: nil, problem: "\($0)") }))
        }
        return entries
    }

    /// A name (`dev`) or a path (`./my.toml`).
    public func load(_ nameOrPath: String) throws -> Profile {
        if nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") {
            return try Self.read(URL(fileURLWithPath: nameOrPath))
        }
        for directory in directories {
            let url = directory.appendingPathComponent(nameOrPath + ".toml")
            if FileManager.default.fileExists(atPath: url.path) { return try Self.read(url) }
        }
        if let text = builtIn[nameOrPath] { return try ProfileParser.parse(text, file: Self.builtInOrigin(nameOrPath)) }
        let known = all().map(\.name)
        throw ProfileError(
            file: nameOrPath, key: nil,
            problem: "no such profile; known: \(known.isEmpty ? "none" : known.joined(separator: ", ")) (searched \(directories.map(\.path).joined(separator: ", ")))"
        )
    }

    /// How a built-in profile's origin is shown (in place of a file).
    public static func builtInOrigin(_ name: String) -> String { "(built in: \(name))" }

    public static func read(_ url: URL) throws -> Profile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ProfileError(file: url.path, key: nil, problem: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProfileError(file: url.path, key: nil, problem: "not UTF-8 text")
        }
        return try ProfileParser.parse(text, file: url.path)
    }
}
