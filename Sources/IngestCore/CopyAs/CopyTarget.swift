import Foundation

/// What a printed command needs to reach the platform without holding a secret: the REST
/// address and cluster, the Kafka brokers, and shell expressions that read the API key and
/// the Kafka password where the profile says they are (`"$INGEST_DEV_API_KEY"`).
public struct CopyTarget: Sendable {
    public var topic: String
    public var baseURL: String
    public var clusterID: String
    /// Shell text for the API key inside double quotes: `$NAME`, `$(cat '/path')`.
    public var apiKey: String
    /// Extra CA for HTTPS and for Kafka (the profile's `kafka.ca_file`), absolute, or nil.
    public var caFile: String?
    public var bootstrap: [String]
    public var username: String
    /// Shell text for the Kafka password inside double quotes.
    public var password: String
    /// Kafka's config-provider form of the password (`${env:NAME}`), for producer.properties.
    public var passwordProperty: String
    public var batchMaxEntries: Int
    public var segmentRecords: Int
    /// Lines to print first (`# export ... first`), for secrets the profile prompts for.
    public var notes: [String] = []

    /// Reads the cluster id (and the brokers, when the profile discovers them) through the
    /// session; nothing is produced. Refused for the embedded sandbox, which stops with us.
    public static func resolve(session: ProfileSession, topic: String, needsKafka: Bool) async throws -> CopyTarget {
        let profile = session.profile
        guard !profile.isEmbeddedSandbox else {
            throw InputError("""
                profile \(profile.name) runs its sandbox inside ingest and only while ingest runs, so a copied command \
                could not reach it: start `ingest sandbox --api-key env:SANDBOX_KEY` and copy with a profile whose \
                rest_url is the address it shows and api_key = "env:SANDBOX_KEY"
                """)
        }
        let directory = URL(fileURLWithPath: profile.source).deletingLastPathComponent()
        let apiKey = try shellExpression(profile.apiKey, profile: profile, variable: "API_KEY", what: "API key", directory: directory)
        let passwordReference = profile.kafka.password ?? .environment(defaultVariable(profile: profile, "KAFKA_PASSWORD"))
        let password = try shellExpression(passwordReference, profile: profile, variable: "KAFKA_PASSWORD", what: "Kafka password", directory: directory)
        let notes = needsKafka ? [password.note].compactMap { $0 } : [apiKey.note].compactMap { $0 }
        let caFile = profile.kafka.caFile.isEmpty ? nil : absolute(profile.kafka.caFile, from: directory)
        let bootstrap: [String]
        if !needsKafka {
            bootstrap = profile.kafka.bootstrap
        } else if profile.kafka.bootstrap.isEmpty {
            bootstrap = try await session.client.discover().brokers.map(\.description)
        } else {
            bootstrap = profile.kafka.bootstrap
        }
        return CopyTarget(
            topic: topic, baseURL: session.client.baseURL, clusterID: needsKafka ? "" : try await session.client.clusterID(), apiKey: apiKey.text, caFile: caFile,
            bootstrap: bootstrap, username: profile.kafka.username, password: password.text,
            passwordProperty: propertyExpression(passwordReference, profile: profile, directory: directory),
            batchMaxEntries: profile.batchMaxEntries, segmentRecords: profile.stream.segmentRecords, notes: notes)
    }

    static func defaultVariable(profile: Profile, _ suffix: String) -> String {
        let name = profile.name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return "INGEST_\(String(name))_\(suffix)"
    }

    static func absolute(_ path: String, from directory: URL) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? expanded : directory.appendingPathComponent(expanded).standardizedFileURL.path
    }

    /// The expression, and a note to print first when the profile prompts for the secret.
    static func shellExpression(_ reference: SecretReference, profile: Profile, variable: String, what: String,
                                directory: URL) throws -> (text: String, note: String?) {
        switch reference {
        case .environment(let name): return ("$" + name, nil)
        case .file(let path): return ("$(cat \(ShellText.quote(absolute(path, from: directory))))", nil)
        case .prompt:
            let name = defaultVariable(profile: profile, variable)
            return ("$" + name, "# profile \(profile.name) asks for its \(what) when used: set \(name) first (read -rs \(name); export \(name))")
        case .sandbox:
            throw InputError("profile \(profile.name): the \(what) belongs to the embedded sandbox, which stops with this command")
        }
    }

    /// Kafka's config providers (KIP-297, KIP-887) read a secret at start: `${env:NAME}`, or
    /// `${dir:DIRECTORY:FILE}` for a file's whole content.
    static func propertyExpression(_ reference: SecretReference, profile: Profile, directory: URL) -> String {
        switch reference {
        case .environment(let name): return "${env:\(name)}"
        case .file(let path):
            let url = URL(fileURLWithPath: absolute(path, from: directory))
            return "${dir:\(url.deletingLastPathComponent().path):\(url.lastPathComponent)}"
        case .prompt, .sandbox: return "${env:\(defaultVariable(profile: profile, "KAFKA_PASSWORD"))}"
        }
    }
}

/// Text for POSIX shells.
public enum ShellText {
    /// `'text'`, with `'` written as `'\''`; plain words stay bare.
    public static func quote(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "@%+=:,./-_".unicodeScalars.contains($0) }
        if safe && !text.isEmpty { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Bytes as a printf format inside single quotes: `\`, `%` and `'` escaped, control bytes
    /// and bytes that are not UTF-8 as `\ooo`.
    public static func printfFormat(_ bytes: [UInt8]) -> String {
        var out = ""
        let text = String(validating: bytes, as: UTF8.self)
        if let text {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": out += #"\\"#
                case "%": out += "%%"
                case "'": out += #"'\''"#
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F { out += octal(UInt8(scalar.value)) } else { out.unicodeScalars.append(scalar) }
                }
            }
        } else {
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): out += #"\\"#
                case UInt8(ascii: "%"): out += "%%"
                case UInt8(ascii: "'"): out += #"'\''"#
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
                default: out += octal(byte)
                }
            }
        }
        return out
    }

    static func octal(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 8)
        return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
    }
}
