import Foundation
import Testing
@testable import IngestCore

@Suite struct ProfileTests {
    static let devProfile = """
    name = "dev"
    environment = "dev"
    client_id = "acme"
    rest_url = "https://producer.msk-rest-proxy.dev.{client}.future-anthem-lz-pr.com/v3"
    topic_prefix = "ing-staging-"
    api_key = "env:INGEST_DEV_API_KEY"
    batch_max_entries = 10
    tls_min_version = "1.2"
    [kafka]
    username = "producer"
    password = "env:INGEST_DEV_KAFKA_PASSWORD"
    bootstrap = "discover"
    ca_file = ""
    """

    @Test func parsesTheDocumentedKeys() throws {
        let profile = try ProfileParser.parse(Self.devProfile, file: "dev.toml")
        #expect(profile.environment == .dev)
        #expect(profile.baseURL == "https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3")
        #expect(profile.apiKey == .environment("INGEST_DEV_API_KEY"))
        #expect(profile.kafka.password == .environment("INGEST_DEV_KAFKA_PASSWORD"))
        #expect(profile.kafka.bootstrap.isEmpty)
        #expect(profile.tlsMinVersion == .v1_2)
        #expect(profile.batchMaxEntries == 10)
    }

    /// `production_confirm`: typed (the default) or typed-first, shown to the console.
    @Test func productionConfirmation() throws {
        #expect(try ProfileParser.parse(Self.devProfile, file: "dev.toml").productionConfirm == .typed)
        let relaxed = Self.devProfile.replacingOccurrences(of: "tls_min_version = \"1.2\"", with: "tls_min_version = \"1.2\"\nproduction_confirm = \"typed-first\"")
        let profile = try ProfileParser.parse(relaxed, file: "dev.toml")
        #expect(profile.productionConfirm == .typedFirst)
        #expect(profile.summary().productionConfirm == .typedFirst)
    }

    @Test func shippedProfilesParse() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../profiles").standardizedFileURL
        let store = ProfileStore(directories: [directory])
        let names = store.all().map(\.name)
        #expect(Set(names) == ["local", "dev", "production"])
        for entry in store.all() { _ = try entry.result.get() }
        let production = try store.load("production")
        #expect(production.environment == .production)
        #expect(production.topicPrefix == "ing-production-")
        #expect(!production.restURLTemplate.contains(".dev."))
        // Shipped without a client id: usable only once it is set.
        #expect(throws: ProfileError.self) { try production.checkUsable() }
        #expect(try store.load("local").isEmbeddedSandbox)
    }

    @Test(arguments: [
        ("api_key = \"env:INGEST_DEV_API_KEY\"", "api_key = \"s3cr3t-literal-key\"", "api_key"),
        ("password = \"env:INGEST_DEV_KAFKA_PASSWORD\"", "password = \"hunter2\"", "kafka.password"),
        ("tls_min_version = \"1.2\"", "tls_min_version = \"1.0\"", "tls_min_version"),
        ("environment = \"dev\"", "environment = \"staging\"", "environment"),
        ("batch_max_entries = 10", "batch_max_entries = 500", "batch_max_entries"),
        ("batch_max_entries = 10", "batch_max_entries = \"ten\"", "batch_max_entries"),
        ("bootstrap = \"discover\"", "bootstrap = \"broker-without-port\"", "kafka.bootstrap"),
        ("rest_url = \"https://", "rest_url = \"http://", "rest_url"),
        ("topic_prefix = \"ing-staging-\"", "topic_prefix = \"ing staging\"", "topic_prefix"),
        ("ca_file = \"\"", "ca_file = \"\"\ncolour = \"red\"", "kafka.colour"),
        ("tls_min_version = \"1.2\"", "tls_min_version = \"1.2\"\nproduction_confirm = \"never\"", "production_confirm"),
        ("tls_min_version = \"1.2\"", "tls_min_version = \"1.2\"\nproduction_confirm = false", "production_confirm"),
    ])
    func badProfilesNameFileKeyAndExpectation(original: String, replacement: String, key: String) throws {
        let text = Self.devProfile.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.devProfile)
        do {
            _ = try ProfileParser.parse(text, file: "/tmp/dev.toml")
            Issue.record("accepted a bad profile: \(replacement)")
        } catch let error as ProfileError {
            #expect(error.file == "/tmp/dev.toml")
            #expect(error.key == key)
            #expect(error.description.hasPrefix("/tmp/dev.toml: \(key): "))
            // A literal secret is never repeated back.
            #expect(!error.description.contains("hunter2") && !error.description.contains("s3cr3t-literal-key"))
        }
    }

    @Test func missingKeyAndBrokenTOML() {
        #expect(throws: ProfileError(file: "p.toml", key: "rest_url", problem: "is missing (a string is expected)")) {
            try ProfileParser.parse(Self.devProfile.replacingOccurrences(of: "rest_url", with: "#rest_url"), file: "p.toml")
        }
        do {
            _ = try ProfileParser.parse("name = \"x\"\nenvironment = ", file: "p.toml")
            Issue.record("accepted broken TOML")
        } catch let error as ProfileError {
            #expect(error.description.contains("not valid TOML at line 2"))
        } catch { Issue.record("\(error)") }
    }

    @Test func topicNames() throws {
        #expect(try TopicName.full("events", prefix: "ing-staging-") == "ing-staging-events")
        #expect(try TopicName.full("ing-staging-events", prefix: "ing-staging-") == "ing-staging-events")
        // The guide's own example URL carries a stray space before /records.
        #expect(throws: InputError.self) { try TopicName.full("events ", prefix: "ing-staging-") }
        #expect(throws: InputError.self) { try TopicName.full("ev/ents", prefix: "ing-staging-") }
        #expect(throws: InputError.self) { try TopicName.full(String(repeating: "a", count: 240), prefix: "ing-staging-") }
        #expect(throws: Never.self) { try TopicName.full(String(repeating: "a", count: 249 - 12), prefix: "ing-staging-") }
        // Refused, and the message names the reason.
        #expect { try TopicName.full("my events", prefix: "p-") } throws: { "\($0)".contains("a space") }
    }

    @Test func secretsAreMaskedEverywhere() throws {
        let secret = Secret("abcdefgh-1234-5678-1a2b")
        #expect(secret.masked == "••••1a2b")
        #expect("\(secret)" == "••••1a2b")
        #expect(String(reflecting: secret) == "••••1a2b")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("abcdefgh"))
        #expect(Secret("short").masked == "••••")
    }

    @Test func secretResolution() throws {
        var resolver = SecretResolver(environment: ["KEY": "value-from-env-0001"])
        #expect(try resolver.resolve(.environment("KEY"), what: "the API key").reveal() == "value-from-env-0001")
        do {
            _ = try resolver.resolve(.environment("MISSING"), what: "the API key")
            Issue.record("resolved a missing variable")
        } catch { #expect("\(error)".contains("set the environment variable MISSING")) }
        #expect(throws: SecretError.self) { try resolver.resolve(.prompt, what: "the API key") }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-secret-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("key")
        try "from-a-file-value-9999\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        var fileResolver = SecretResolver(environment: [:], baseDirectory: directory)
        #expect(try fileResolver.resolve(.file("key"), what: "the API key").reveal() == "from-a-file-value-9999")
        #expect(fileResolver.warnings.count == 1)
        #expect(fileResolver.warnings.first?.contains("chmod 600") == true)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        var quiet = SecretResolver(environment: [:], baseDirectory: directory)
        _ = try quiet.resolve(.file("key"), what: "the API key")
        #expect(quiet.warnings.isEmpty)
    }

    @Test func importsTheGuidesProducerProperties() throws {
        let block = """
        bootstrap.server=b-1.example:9096,b-2.example:9096
        security.protocol=SASL_SSL
        sasl.mechanism=SCRAM-SHA-512
        sasl.jaas.config= org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="Sup3rS3cret";
        """
        let imported = try PropertiesImport.parse(block)
        #expect(imported.bootstrap == ["b-1.example:9096", "b-2.example:9096"])
        #expect(imported.username == "producer")
        #expect(imported.hadPassword)
        let table = PropertiesImport.kafkaTable(imported, passwordReference: .environment("INGEST_DEV_KAFKA_PASSWORD"))
        #expect(!table.contains("Sup3rS3cret"))
        #expect(table.contains("password = \"env:INGEST_DEV_KAFKA_PASSWORD\""))
        // The table it writes is a valid part of a profile.
        let profile = try ProfileParser.parse(ProfileTests.devProfile.components(separatedBy: "[kafka]")[0] + table, file: "x.toml")
        #expect(profile.kafka.bootstrap == ["b-1.example:9096", "b-2.example:9096"])
        #expect(throws: InputError.self) { try PropertiesImport.parse("security.protocol=PLAINTEXT") }
    }

    @Test func proxyFromEnvironment() {
        let environment = ["HTTPS_PROXY": "http://user:pw@proxy.corp:3128", "NO_PROXY": "internal.corp,.svc"]
        #expect(ProxySettings.proxy(forScheme: "https", host: "producer.example.com", environment: environment) == HostPort(host: "proxy.corp", port: 3128))
        #expect(ProxySettings.proxy(forScheme: "https", host: "a.internal.corp", environment: environment) == nil)
        #expect(ProxySettings.proxy(forScheme: "https", host: "x.svc", environment: environment) == nil)
        #expect(ProxySettings.proxy(forScheme: "https", host: "127.0.0.1", environment: environment) == nil)
        #expect(ProxySettings.proxy(forScheme: "https", host: "producer.example.com", environment: [:]) == nil)
    }

    @Test func hostPorts() {
        #expect(HostPort("b-1.kafka:9096") == HostPort(host: "b-1.kafka", port: 9096))
        #expect(HostPort("[::1]:9092") == HostPort(host: "::1", port: 9092))
        #expect(HostPort("nohost") == nil)
        #expect(HostPort("host:99999") == nil)
        #expect(HostPort(host: "::1", port: 1).description == "[::1]:1")
    }
}
