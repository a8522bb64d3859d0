import Foundation

/// Where the command-line tools the tests use live, found once on PATH (then the usual
/// directories): a missing tool fails the test that needs it with what to install, instead
/// of a hard-coded path that skips or fails obscurely.
public enum Tools {
    public static func path(_ name: String, install: String? = nil) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin", "/usr/local/bin", "/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw ChildProcessError("\(name) not found on PATH: \(install ?? "apt-get install -y \(name)")")
    }

    /// kcat, the independent Kafka peer (librdkafka) that reads back what was written.
    public static func kcat() throws -> String { try path("kcat", install: "apt-get install -y kcat") }
    public static func curl() throws -> String { try path("curl", install: "apt-get install -y curl") }
}

/// kcat runs shared by the test targets. Each waits without blocking the cooperative pool.
public enum KcatRun {
    /// Runs kcat to its end (bounded); throws with its stderr when it fails and `requireSuccess`.
    public static func output(_ arguments: [String], timeout: Duration = .seconds(30), requireSuccess: Bool = true) async throws -> String {
        let run = try await ChildProcess.run(try Tools.kcat(), arguments, timeout: timeout)
        if run.timedOut { throw ChildProcessError("kcat \(arguments.joined(separator: " ")) did not end in \(timeout): \(run.stderr.suffix(1000))") }
        if requireSuccess, run.status != 0 {
            throw ChildProcessError("kcat \(arguments.joined(separator: " ")) exited \(run.status): \(run.stderr.suffix(1000))")
        }
        return run.stdout
    }

    /// Topic names `kcat -L -J` lists as existing (no error, some partitions). `extra` carries
    /// the security settings (`-X security.protocol=…`); `topic` asks about that one only.
    public static func listedTopics(bootstrap: String, extra: [String] = [], topic: String? = nil) async throws -> [String] {
        let output = try await output(["-L", "-J", "-b", bootstrap, "-m", "10", "-X", "log_level=0"] + (topic.map { ["-t", $0] } ?? []) + extra,
                                      requireSuccess: false)
        struct Listing: Decodable {
            struct Topic: Decodable {
                struct Partition: Decodable { var partition: Int32 }
                var topic: String
                var err: String?
                var error: String?
                var partitions: [Partition]?
            }
            var topics: [Topic]
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(output.utf8))
        return listing.topics.filter { $0.err == nil && $0.error == nil && !($0.partitions ?? []).isEmpty }.map(\.topic)
    }

    /// `-X` settings for a SASL_SSL, SCRAM-SHA-512 listener such as the sandbox's front.
    public static func saslSSL(username: String = "producer", password: String, caFile: String) -> [String] {
        ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=\(username)",
         "-X", "sasl.password=\(password)", "-X", "ssl.ca.location=\(caFile)"]
    }
}
