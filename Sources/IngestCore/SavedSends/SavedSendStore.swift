import Foundation

/// A saved send that cannot be used: names the file, the key and what was expected.
public struct SavedSendError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let key: String?
    public let problem: String

    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if let key { return "\(file): \(key): \(problem)" }
        return "\(file): \(problem)"
    }
}

/// Saved sends, one TOML file each (`NAME.toml`), in `$XDG_CONFIG_HOME/ingest/sends`
/// (`~/.config/ingest/sends`) or a directory given with `--sends`: friendly to git.
public struct SavedSendStore: Sendable {
    public var directory: URL

    public init(directory: URL) { self.directory = directory }

    public static func standard(directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> SavedSendStore {
        if let directory, !directory.isEmpty { return SavedSendStore(directory: URL(fileURLWithPath: (directory as NSString).expandingTildeInPath)) }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return SavedSendStore(directory: URL(fileURLWithPath: config).appendingPathComponent("ingest/sends"))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return SavedSendStore(directory: URL(fileURLWithPath: home).appendingPathComponent(".config/ingest/sends"))
    }

    public struct Entry: Sendable {
        public var name: String
        public var file: URL
        public var result: Result<SavedSend, SavedSendError>
    }

    public func url(_ name: String) -> URL { directory.appendingPathComponent(name + ".toml") }

    /// Every saved send, by name; a bad one is listed with what is wrong with it.
    public func all() -> [Entry] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return files.sorted().filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.map { file in
            let url = directory.appendingPathComponent(file)
            return Entry(name: String(file.dropLast(5)), file: url, result: Result { try Self.read(url) }.mapError {
                $0 as? SavedSendError ?? SavedSendError(file: url.path, key: nil, problem: "\($0)")
            })
        }
    }

    public func load(_ name: String) throws -> SavedSend {
        do { try SavedSend.checkName(name) } catch {
            throw SavedSendError(file: name, key: nil, problem: "\(error)")
        }
        let url = url(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = all().map(\.name)
            throw SavedSendError(file: url.path, key: nil,
                                 problem: "no saved send \(name); saved: \(known.isEmpty ? "none" : known.joined(separator: ", ")) (in \(directory.path); --sends DIR looks elsewhere)")
        }
        return try Self.read(url)
    }

    /// Writes `send` as `NAME.toml`; an existing one is replaced only when `replace` is true.
    @discardableResult
    public func save(_ send: SavedSend, name: String, replace: Bool = false) throws -> URL {
        try SavedSend.checkName(name)
        let url = url(name)
        if !replace, FileManager.default.fileExists(atPath: url.path) {
            throw InputError("\(url.path) exists: choose another name, or replace it")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Written beside and renamed, so a crash never leaves half a file.
        let temporary = directory.appendingPathComponent(".\(name).toml.\(getpid())")
        try Data(SavedSendTOML.text(send).utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let problem = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot write \(url.path): \(problem)")
        }
        return url
    }

    public static func read(_ url: URL) throws -> SavedSend {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SavedSendError(file: url.path, key: nil, problem: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SavedSendError(file: url.path, key: nil, problem: "not UTF-8 text")
        }
        var send = try SavedSendTOML.parse(text, file: url.path)
        // A relative file is relative to the saved send, so a folder of sends can move as one.
        if let file = send.file, !file.hasPrefix("/"), !file.hasPrefix("~") {
            send.file = url.deletingLastPathComponent().appendingPathComponent(file).standardizedFileURL.path
        } else if let file = send.file {
            send.file = (file as NSString).expandingTildeInPath
        }
        return send
    }
}
