import Foundation
import TOMLKit
import TOMLPrecheck

/// A profile file that cannot be used: names the file, the key and what was expected.
public struct ProfileError: Error, Equatable, CustomStringConvertible {
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

/// Reads profile TOML into a `Profile`, checking every key so that mistakes are reported
/// where they are, not as a failed request later.
public enum ProfileParser {
    static let topLevelKeys: Set = [
        "name", "environment", "client_id", "rest_url", "topic_prefix", "api_key",
        "batch_max_entries", "concurrency", "tls_min_version", "kafka", "stream", "sandbox", "journal_values", "limits",
        "production_confirm",
    ]
    static let kafkaKeys: Set = ["username", "password", "bootstrap", "ca_file", "compression"]
    static let streamKeys: Set = ["window", "max_in_flight_bytes", "segment_records", "segment_bytes", "segment_seconds", "stall_seconds"]
    static let sandboxKeys: Set = ["topics", "partitions"]

    public static func parse(_ text: String, file: String) throws -> Profile {
        if let problem = TOMLPrecheck.problem(in: text) {
            throw ProfileError(file: file, key: nil, problem: "not valid TOML at \(problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ProfileError(file: file, key: nil, problem: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ProfileError(file: file, key: nil, problem: "not valid TOML")
        }
        let reader = TableReader(table: table, file: file, path: "")
        try reader.rejectUnknown(topLevelKeys)

        let name = try reader.string("name")
        let environmentText = try reader.string("environment")
        guard let environment = DeploymentEnvironment(rawValue: environmentText) else {
            throw ProfileError(file: file, key: "environment", problem: "expected one of sandbox, dev, production; found \"\(environmentText)\"")
        }
        let clientID = try reader.string("client_id", default: "")
        let restURL = try reader.string("rest_url")
        let topicPrefix = try reader.string("topic_prefix")
        let apiKeyText = try reader.string("api_key")
        let batchMax = try reader.int("batch_max_entries", default: 10)
        let concurrency = try reader.int("concurrency", default: Profile.defaultConcurrency, range: 1...256)
        let tlsText = try reader.string("tls_min_version", default: "1.2")

        guard let apiKey = SecretReference.parse(apiKeyText) else {
            throw ProfileError(file: file, key: "api_key", problem: "looks like a literal secret; profiles hold only references: env:NAME, file:PATH or prompt")
        }
        guard let tls = TLSMinimumVersion(rawValue: tlsText) else {
            throw ProfileError(file: file, key: "tls_min_version", problem: "expected \"1.2\" or \"1.3\" (never lower); found \"\(tlsText)\"")
        }
        guard (1...50).contains(batchMax) else {
            throw ProfileError(file: file, key: "batch_max_entries", problem: "expected 1 to 50 (the proxy's limit is at most 50); found \(batchMax)")
        }
        if !topicPrefix.isEmpty {
            do { try TopicName.validate(topicPrefix) } catch {
                throw ProfileError(file: file, key: "topic_prefix", problem: "\(error)")
            }
        }
        try checkURL(restURL, environment: environment, clientID: clientID, apiKey: apiKey, file: file)

        var kafka = KafkaSettings()
        if let kafkaTable = try reader.table("kafka") {
            let k = TableReader(table: kafkaTable, file: file, path: "kafka.")
            try k.rejectUnknown(kafkaKeys)
            kafka.username = try k.string("username", default: "producer")
            if let password = try k.optionalString("password") {
                guard let reference = SecretReference.parse(password), reference != .sandbox || environment == .sandbox else {
                    throw ProfileError(file: file, key: "kafka.password", problem: "looks like a literal secret; profiles hold only references: env:NAME, file:PATH or prompt")
                }
                kafka.password = reference
            }
            let bootstrap = try k.string("bootstrap", default: "discover")
            if bootstrap != "discover" {
                kafka.bootstrap = bootstrap.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                for server in kafka.bootstrap where HostPort(server) == nil {
                    throw ProfileError(file: file, key: "kafka.bootstrap", problem: "expected \"discover\" or host:port[,host:port]; \"\(server)\" is not host:port")
                }
            }
            kafka.caFile = try k.string("ca_file", default: "")
            let compression = try k.string("compression", default: "none")
            guard let codec = Compression(rawValue: compression) else {
                throw ProfileError(file: file, key: "kafka.compression", problem: "expected one of \(Compression.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")); found \"\(compression)\"")
            }
            kafka.compression = codec
        }

        var stream = StreamSettings()
        if let streamTable = try reader.table("stream") {
            let s = TableReader(table: streamTable, file: file, path: "stream.")
            try s.rejectUnknown(streamKeys)
            if s.table["window"] != nil { stream.window = try s.int("window", default: 64, range: 1...100_000) }
            stream.maximumInFlightBytes = try s.int("max_in_flight_bytes", default: stream.maximumInFlightBytes, range: 65_536...4_294_967_296)
            stream.segmentRecords = try s.int("segment_records", default: stream.segmentRecords, range: 1...10_000_000)
            stream.segmentBytes = try s.int("segment_bytes", default: stream.segmentBytes, range: 1024...1_073_741_824)
            stream.segmentSeconds = try s.double("segment_seconds", default: stream.segmentSeconds, range: 0.1...3600)
            stream.stallSeconds = try s.double("stall_seconds", default: stream.stallSeconds, range: 0.05...600)
        }

        var sandbox: SandboxSettings?
        if let sandboxTable = try reader.table("sandbox") {
            guard environment == .sandbox else {
                throw ProfileError(file: file, key: "sandbox", problem: "a [sandbox] table is only for environment = \"sandbox\"")
            }
            let s = TableReader(table: sandboxTable, file: file, path: "sandbox.")
            try s.rejectUnknown(sandboxKeys)
            var settings = SandboxSettings()
            settings.topics = try s.stringArray("topics")
            for topic in settings.topics {
                do { try TopicName.validate(topic) } catch {
                    throw ProfileError(file: file, key: "sandbox.topics", problem: "\(error)")
                }
            }
            settings.partitions = try s.int("partitions", default: 3, range: 1...64)
            sandbox = settings
        }

        var profile = Profile(
            name: name, environment: environment, clientID: clientID, restURLTemplate: restURL,
            topicPrefix: topicPrefix, apiKey: apiKey, batchMaxEntries: batchMax, tlsMinVersion: tls,
            kafka: kafka, stream: stream, sandbox: sandbox, source: file
        )
        profile.concurrency = concurrency
        if let value = table["journal_values"] {
            guard let flag = value.bool else { throw reader.expected("journal_values", "true or false", found: value) }
            profile.journalValues = flag
        }
        if let text = try reader.optionalString("production_confirm") {
            guard let confirm = ProductionConfirm(rawValue: text) else {
                throw ProfileError(file: file, key: "production_confirm", problem: "expected \"typed\" (every production send needs the topic typed back) or \"typed-first\" (then y/N for single records); found \"\(text)\"")
            }
            profile.productionConfirm = confirm
        }
        profile.limits = try parseLimits(reader, prefix: topicPrefix)
        return profile
    }

    static func checkURL(_ url: String, environment: DeploymentEnvironment, clientID: String, apiKey: SecretReference, file: String) throws {
        if url == Profile.embedded {
            guard environment == .sandbox else {
                throw ProfileError(file: file, key: "rest_url", problem: "\"embedded\" is only for environment = \"sandbox\"")
            }
            return
        }
        if apiKey == .sandbox {
            throw ProfileError(file: file, key: "api_key", problem: "\"sandbox\" works only with rest_url = \"embedded\"")
        }
        // An empty client_id is allowed in the file (as shipped); it is refused when used.
        let resolved = url.replacingOccurrences(of: "{client}", with: clientID.isEmpty ? "client" : clientID)
        guard let components = URLComponents(string: resolved), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            throw ProfileError(file: file, key: "rest_url", problem: "expected an absolute URL such as https://host/v3; found \"\(url)\"")
        }
        switch scheme {
        case "https": break
        case "http":
            // Plain http only on loopback: `ingest sandbox`, also for rehearsing a dev or
            // production profile's guard without the platform.
            guard HostPort.isLoopback(host) else {
                throw ProfileError(file: file, key: "rest_url", problem: "must be https (plain http is allowed only on loopback, for the sandbox)")
            }
        default:
            throw ProfileError(file: file, key: "rest_url", problem: "expected an https URL; found scheme \"\(scheme)\"")
        }
        guard components.path.hasSuffix("/v3") || components.path.hasSuffix("/v3/") else {
            throw ProfileError(file: file, key: "rest_url", problem: "expected the proxy's v3 base, ending in /v3; found \"\(url)\"")
        }
    }
}

/// Typed access to a TOML table with errors that name the key.
struct TableReader {
    let table: TOMLTable
    let file: String
    let path: String

    func rejectUnknown(_ known: Set<String>) throws {
        for key in table.keys.sorted() where !known.contains(key) {
            throw ProfileError(file: file, key: path + key, problem: "unknown key; expected one of \(known.sorted().joined(separator: ", "))")
        }
    }

    func expected(_ key: String, _ what: String, found value: TOMLValueConvertible) -> ProfileError {
        ProfileError(file: file, key: path + key, problem: "expected \(what), found a \(value.type)")
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw expected(key, "a string", found: value) }
        return string
    }

    func string(_ key: String) throws -> String {
        guard let string = try optionalString(key) else {
            throw ProfileError(file: file, key: path + key, problem: "is missing (a string is expected)")
        }
        return string
    }

    func string(_ key: String, default fallback: String) throws -> String {
        try optionalString(key) ?? fallback
    }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let value = table[key] else { return fallback }
        guard let int = value.int else { throw expected(key, "an integer", found: value) }
        if let range, !range.contains(int) {
            throw ProfileError(file: file, key: path + key, problem: "expected \(range.lowerBound) to \(range.upperBound), found \(int)")
        }
        return int
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let value = table[key] else { return fallback }
        guard let number = value.double ?? value.int.map(Double.init) else { throw expected(key, "a number", found: value) }
        guard range.contains(number) else {
            throw ProfileError(file: file, key: path + key, problem: "expected \(range.lowerBound) to \(range.upperBound), found \(number)")
        }
        return number
    }

    func stringArray(_ key: String) throws -> [String] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw expected(key, "an array of strings", found: value) }
        return try array.map { element in
            guard let string = element.string else { throw expected(key, "an array of strings", found: element) }
            return string
        }
    }

    func table(_ key: String) throws -> TOMLTable? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw expected(key, "a table", found: value) }
        return table
    }
}
