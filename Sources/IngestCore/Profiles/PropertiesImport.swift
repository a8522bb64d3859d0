import Foundation

/// Turns a Java `producer.properties` block, as in the integration guide, into profile TOML,
/// with the password replaced by a secret reference.
public enum PropertiesImport {
    public struct Imported: Sendable, Equatable {
        public var bootstrap: [String]
        public var username: String
        public var securityProtocol: String?
        public var mechanism: String?
        /// True when the block carried a password (it is never copied).
        public var hadPassword: Bool
    }

    public static func parse(_ text: String) throws -> Imported {
        var properties: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("!") else { continue }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            properties[key] = value
        }
        // The guide writes `bootstrap.server`; Java wants `bootstrap.servers`. Take either.
        let bootstrapText = properties["bootstrap.servers"] ?? properties["bootstrap.server"] ?? ""
        let bootstrap = bootstrapText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("<") }
        if let protocolName = properties["security.protocol"], protocolName != "SASL_SSL" {
            throw InputError("security.protocol is \(protocolName); the platform needs SASL_SSL")
        }
        if let mechanism = properties["sasl.mechanism"], !mechanism.hasPrefix("SCRAM-SHA-") {
            throw InputError("sasl.mechanism is \(mechanism); the platform uses SCRAM-SHA-512")
        }
        var username = "producer"
        var hadPassword = false
        if let jaas = properties["sasl.jaas.config"] {
            if let user = quoted("username", in: jaas) { username = user }
            if let password = quoted("password", in: jaas), !password.isEmpty, !password.hasPrefix("<") { hadPassword = true }
        }
        return Imported(bootstrap: bootstrap, username: username, securityProtocol: properties["security.protocol"],
                        mechanism: properties["sasl.mechanism"], hadPassword: hadPassword)
    }

    /// A `[kafka]` table for a profile; the password becomes `passwordReference`.
    public static func kafkaTable(_ imported: Imported, passwordReference: SecretReference) -> String {
        let bootstrap = imported.bootstrap.isEmpty ? "discover" : imported.bootstrap.joined(separator: ",")
        return """
        [kafka]
        username = "\(imported.username)"
        password = "\(passwordReference)"
        bootstrap = "\(bootstrap)"
        ca_file = ""

        """
    }

    static func quoted(_ name: String, in text: String) -> String? {
        guard let range = text.range(of: name + "=\"") ?? text.range(of: name + " = \"") else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
