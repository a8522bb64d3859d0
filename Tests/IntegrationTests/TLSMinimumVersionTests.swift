import Foundation
import IngestSandbox
import NIOSSL
import Testing
import TestSupport

/// `tls_min_version` over REST, native sends and the doctor, through the real binary: a
/// profile asking for TLS 1.3 is refused by servers capped at TLS 1.2, with a message that
/// says so, while a 1.2 profile gets through the same servers (so the refusal is the
/// version's doing); and where 1.3 is required and offered, 1.3 is what was negotiated, as
/// the servers themselves saw it.
@Suite(.serialized) struct TLSMinimumVersionTests {
    /// The sandbox's REST proxy (plain HTTP) and Kafka (its TLS + SCRAM front), each reached
    /// through a `TLSTerminator` that may be capped at a version.
    final class Platform: @unchecked Sendable {
        let kafka: SandboxKafka
        let server: SandboxServer
        let rest: TLSTerminator
        let broker: TLSTerminator
        let workspace: Workspace
        static let apiKey = "tls-version-key-000001"

        init(restMaximum: TLSVersion?, brokerMaximum: TLSVersion?) async throws {
            kafka = try await SandboxKafka.start(topics: ["ing-staging-events"], partitions: 2, password: "tls-version-password-1")
            var configuration = SandboxServer.Configuration(apiKey: Self.apiKey, topics: ["ing-staging-events"], partitions: 2)
            configuration.kafka = kafka
            server = SandboxServer(configuration)
            try await server.start()
            rest = try await TLSTerminator.start(upstream: "127.0.0.1:\(server.port)", maximum: restMaximum)
            broker = try await TLSTerminator.start(upstream: kafka.bootstrap[0], upstreamCAFile: kafka.caFile, maximum: brokerMaximum)
            workspace = try Workspace("tls")
        }

        /// A dev profile with `tls_min_version = minimum`, trusting both terminators' CAs and
        /// the sandbox's (the front's other listeners are reached directly).
        func profile(minimum: String) throws -> String {
            let bundle = try workspace.file("ca-bundle.pem", [rest.caPEM, broker.caPEM, try String(contentsOfFile: kafka.caFile, encoding: .utf8)].joined(separator: "\n"))
            return try workspace.profile("tls\(minimum)", """
                name = "tls\(minimum)"
                environment = "dev"
                rest_url = "https://\(rest.address)/v3"
                topic_prefix = "ing-staging-"
                api_key = "env:TLS_KEY"
                tls_min_version = "\(minimum)"
                [kafka]
                username = "producer"
                password = "env:TLS_KAFKA_PASSWORD"
                bootstrap = "\(broker.address)"
                ca_file = "\(bundle.path)"
                """)
        }

        func ingest(_ arguments: [String]) async throws -> IngestCLI.Run {
            try await workspace.run(arguments, environment: ["TLS_KEY": Self.apiKey, "TLS_KAFKA_PASSWORD": kafka.password])
        }

        func send(_ profile: String, native: Bool = false) async throws -> IngestCLI.Run {
            try await ingest(["send", "--profile", profile, "--topic", "events", "--data", "{\"n\":{{seq}}}", "--count", "3"] + (native ? ["--via", "native"] : ["--mode", "batch"]))
        }

        func doctor(_ profile: String) async throws -> (run: IngestCLI.Run, checks: [String: (status: String, detail: String, advice: String)]) {
            let run = try await ingest(["doctor", "--profile", profile, "--topic", "events", "--json"])
            var checks: [String: (String, String, String)] = [:]
            for line in run.lines {
                if let name = line["check"] as? String {
                    checks[name] = (line["status"] as? String ?? "", line["detail"] as? String ?? "", line["advice"] as? String ?? "")
                }
            }
            return (run, checks)
        }

        func stop() async {
            await rest.stop()
            await broker.stop()
            await server.stop()
            await kafka.stop()
        }
    }

    /// What a refusal must say: which minimum the profile asked for, and where it is set.
    static func saysTheVersion(_ text: String) -> Bool {
        text.contains("TLS 1.3") && text.contains("tls_min_version")
    }

    @Test(.timeLimit(.minutes(3)))
    func serversCappedAtTLS12AreRefusedByA13Profile() async throws {
        let platform = try await Platform(restMaximum: .tlsv12, brokerMaximum: .tlsv12)
        let strict = try platform.profile(minimum: "1.3")

        let rest = try await platform.send(strict)
        #expect(rest.status == 1, "\(rest.stderr)")
        #expect(rest.lines.isEmpty, "nothing may be sent: \(rest.stdout)")
        #expect(Self.saysTheVersion(rest.stderr), "REST: \(rest.stderr)")
        let native = try await platform.send(strict, native: true)
        #expect(native.status == 1, "\(native.stderr)")
        #expect(native.lines.isEmpty, "nothing may be sent: \(native.stdout)")
        #expect(Self.saysTheVersion(native.stderr), "native: \(native.stderr)")
        let doctor = try await platform.doctor(strict)
        #expect(doctor.run.status == 1)
        #expect(doctor.checks["TLS"]?.status == "fail", "\(doctor.run.stdout)")
        #expect(Self.saysTheVersion(doctor.checks["TLS"]?.detail ?? ""), "doctor: \(doctor.run.stdout)")
        // Refused at these servers' handshakes, and nothing reached the proxy or Kafka.
        #expect(platform.rest.negotiated.isEmpty && !platform.rest.handshakeFailures.isEmpty, "\(platform.rest.negotiated) \(platform.rest.handshakeFailures)")
        #expect(platform.broker.negotiated.isEmpty && !platform.broker.handshakeFailures.isEmpty, "\(platform.broker.negotiated) \(platform.broker.handshakeFailures)")
        #expect(platform.server.produceRequests == 0)

        // The same servers take a 1.2 profile: the version, nothing else, was refused above.
        let lenient = try platform.profile(minimum: "1.2")
        let restOK = try await platform.send(lenient)
        #expect(restOK.status == 0, "\(restOK.stderr)")
        let nativeOK = try await platform.send(lenient, native: true)
        #expect(nativeOK.status == 0, "\(nativeOK.stderr)")
        let doctorOK = try await platform.doctor(lenient)
        #expect(doctorOK.run.status == 0, "\(doctorOK.run.stdout)")
        #expect(doctorOK.checks["TLS"]?.detail.hasPrefix("tlsv12") == true, "\(doctorOK.run.stdout)")
        #expect(!platform.rest.negotiated.isEmpty && platform.rest.negotiated.allSatisfy { $0 == .tlsv12 }, "\(platform.rest.negotiated)")
        #expect(!platform.broker.negotiated.isEmpty && platform.broker.negotiated.allSatisfy { $0 == .tlsv12 }, "\(platform.broker.negotiated)")
        await platform.stop()
    }

    /// REST offers 1.3, the broker only 1.2: the doctor passes TLS and fails the Kafka login,
    /// saying why.
    @Test(.timeLimit(.minutes(2)))
    func doctorNamesTheVersionAtTheKafkaLogin() async throws {
        let platform = try await Platform(restMaximum: nil, brokerMaximum: .tlsv12)
        let doctor = try await platform.doctor(try platform.profile(minimum: "1.3"))
        await platform.stop()
        #expect(doctor.run.status == 1)
        #expect(doctor.checks["TLS"]?.status == "pass", "\(doctor.run.stdout)")
        #expect(doctor.checks["Kafka login"]?.status == "fail", "\(doctor.run.stdout)")
        #expect(Self.saysTheVersion(doctor.checks["Kafka login"]?.detail ?? ""), "\(doctor.run.stdout)")
        #expect(doctor.checks["Kafka login"]?.advice.contains("tls_min_version") == true, "\(doctor.run.stdout)")
    }

    @Test(.timeLimit(.minutes(2)))
    func a13ProfileNegotiatesTLS13() async throws {
        let platform = try await Platform(restMaximum: nil, brokerMaximum: nil)
        let strict = try platform.profile(minimum: "1.3")
        let rest = try await platform.send(strict)
        #expect(rest.status == 0, "\(rest.stderr)")
        let native = try await platform.send(strict, native: true)
        #expect(native.status == 0, "\(native.stderr)")
        let doctor = try await platform.doctor(strict)
        #expect(doctor.run.status == 0, "\(doctor.run.stdout)")
        #expect(doctor.checks["TLS"]?.detail.hasPrefix("tlsv13") == true, "\(doctor.run.stdout)")
        #expect(!platform.rest.negotiated.isEmpty && platform.rest.negotiated.allSatisfy { $0 == .tlsv13 }, "\(platform.rest.negotiated)")
        #expect(!platform.broker.negotiated.isEmpty && platform.broker.negotiated.allSatisfy { $0 == .tlsv13 }, "\(platform.broker.negotiated)")
        #expect(platform.server.produceRequests == 1)
        await platform.stop()
    }
}
