import Foundation

/// Where a secret comes from. Profiles only ever hold a reference, never the secret itself.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    case environment(String)
    case file(String)
    case prompt
    /// The embedded sandbox's own key, made when it starts (sandbox profiles only).
    case sandbox

    /// Parses `env:NAME`, `file:PATH`, `prompt` or `sandbox`; anything else is treated as a
    /// literal secret and refused by the caller.
    public static func parse(_ text: String) -> SecretReference? {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            return .environment(name)
        }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            return path.isEmpty ? nil : .file(path)
        }
        if text == "prompt" { return .prompt }
        if text == "sandbox" { return .sandbox }
        return nil
    }

    public var description: String {
        switch self {
        case .environment(let name): return "env:\(name)"
        case .file(let path): return "file:\(path)"
        case .prompt: return "prompt"
        case .sandbox: return "sandbox"
        }
    }
}

/// A resolved secret. Its description is always masked, so string interpolation, logging
/// and `dump` never reveal it; only `reveal()` does, at the point of use.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) {
        self.value = value
        SecretScrubber.register(value)
    }

    public func reveal() -> String { value }

    /// `••••1a2b`: enough to tell two keys apart, never enough to use one.
    public var masked: String {
        guard value.count >= 12 else { return "••••" }
        return "••••" + value.suffix(4)
    }

    public var description: String { masked }
    public var debugDescription: String { masked }
    /// `dump` and debuggers reflect stored properties; show them only the mask.
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}

public struct SecretError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Turns references into secrets. Prompting is delegated so that the CLI and the console can
/// each ask in their own way (masked input on a terminal).
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    public var baseDirectory: URL?
    public var prompt: (@Sendable (String) -> String?)?
    /// Warnings found while resolving (e.g. a secret file readable by others).
    public private(set) var warnings: [String] = []

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        baseDirectory: URL? = nil,
        prompt: (@Sendable (String) -> String?)? = nil
    ) {
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.prompt = prompt
    }

    public mutating func resolve(_ reference: SecretReference, what: String) throws -> Secret {
        switch reference {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError("\(what) is missing: set the environment variable \(name) (the profile says env:\(name))")
            }
            return Secret(value)
        case .file(let path):
            let url = path.hasPrefix("/") || baseDirectory == nil
                ? URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
                : baseDirectory!.appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: url.path),
                  let text = String(data: data, encoding: .utf8) else {
                throw SecretError("\(what) is missing: cannot read the file \(url.path) (the profile says file:\(path))")
            }
            if let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
               let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                warnings.append("\(url.path) holds \(what) and is readable by others: chmod 600 \(url.path)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw SecretError("\(what) is missing: the file \(url.path) is empty") }
            return Secret(value)
        case .prompt:
            guard let prompt, let value = prompt(what), !value.isEmpty else {
                throw SecretError("\(what) must be typed in (the profile says prompt), but nothing here can ask for it (no terminal, or the console owns it): use env:NAME or file:PATH instead")
            }
            return Secret(value)
        case .sandbox:
            throw SecretError("\(what) comes from the embedded sandbox, which is not running")
        }
    }
}
