import Foundation
import IngestSandbox
import NIOConcurrencyHelpers
import Testing
@testable import IngestCore

/// `ingest doctor` against the sandbox, healthy and broken: each check is a real exchange.
@Suite struct DoctorTests {
    func checks(_ run: CLITests.Run) -> [String: String] {
        Dictionary(run.lines.compactMap { line in (line["check"] as? String).map { ($0, line["status"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
    }

    @Test func healthySandboxPassesEveryCheck() async throws {
        let run = try await CLITests.runAsync(["doctor", "--profile", "local", "--topic", "events", "--json"])
        #expect(run.status == 0, "\(run.stdout)")
        let status = checks(run)
        for name in ["profile and secrets", "DNS", "TCP", "TLS", "API key", "cluster", "brokers", "broker reach", "Kafka login", "topic"] {
            #expect(status[name] == "pass", "\(name): \(status[name] ?? "missing")")
        }
        // The local profile speaks HTTPS to its sandbox, as dev and production do: the doctor
        // names the suite and whether it is forward secret, for REST and for Kafka.
        let details = Dictionary(run.lines.compactMap { line in (line["check"] as? String).map { ($0, line["detail"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
        #expect(details["TLS"]?.contains("(forward secret)") == true && details["TLS"]?.contains("issued by CN=ingest sandbox CA") == true, "\(details["TLS"] ?? "")")
        #expect(details["Kafka login"]?.contains(", forward secret") == true, "\(details["Kafka login"] ?? "")")
        // The embedded sandbox's API key and Kafka password are both "sbx-…": neither is shown.
        #expect(!run.stdout.contains("sbx-"))
    }

    /// The console cancels a run by leaving its view: the doctor stops before its next check.
    @Test(.timeLimit(.minutes(1)))
    func cancelledRunStopsBeforeTheNextCheck() async throws {
        let server = SandboxServer(.init(apiKey: "doctor-key-00000002", topics: ["ing-staging-events"]))
        try await server.start()
        let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("doctor-key-00000002"), baseURL: server.baseURL)
        let doctor = Doctor(client: client, kafkaTarget: nil, topic: nil)
        let seen = NIOLockedValueBox<[String]>([])
        let healthy = await Task {
            await doctor.run { check in
                seen.withLockedValue { $0.append(check.name) }
                if check.name == "TCP" { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }.value
        #expect(!healthy)
        #expect(seen.withLockedValue { $0 } == ["DNS", "TCP"])
        // Not cancelled, the same doctor goes on to the REST checks.
        let all = NIOLockedValueBox<[String: DoctorCheck.Status]>([:])
        #expect(await doctor.run { check in all.withLockedValue { $0[check.name] = check.status } })
        #expect(all.withLockedValue { $0["broker reach"] } == .pass)
        await client.shutdown()
        await server.stop()
    }

    @Test func firstFailureSaysWhatToDoAndStops() async throws {
        let server = SandboxServer(.init(apiKey: "doctor-key-00000001", topics: ["ing-staging-events"]))
        try await server.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-doctor-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        func profile(_ url: String) throws -> String {
            let path = work.appendingPathComponent("p\(UUID().uuidString.prefix(4)).toml").path
            try "name = \"d\"\nenvironment = \"sandbox\"\nrest_url = \"\(url)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:DOCTOR_KEY\"\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        let wrongKey = try await CLITests.runAsync(["doctor", "--profile", try profile(server.baseURL), "--json"], environment: ["DOCTOR_KEY": "wrong-key-0000000001"])
        #expect(wrongKey.status == 1)
        let failed = try #require(wrongKey.lines.first { $0["status"] as? String == "fail" })
        #expect(failed["check"] as? String == "API key")
        #expect((failed["advice"] as? String)?.contains("api_key") == true)
        #expect(checks(wrongKey)["brokers"] == "skip")
        #expect(!wrongKey.stdout.contains("wrong-key-0000000001"))

        let closed = try await CLITests.runAsync(["doctor", "--profile", try profile("http://127.0.0.1:1/v3"), "--json"], environment: ["DOCTOR_KEY": "doctor-key-00000001"])
        #expect(closed.status == 1)
        #expect(checks(closed)["TCP"] == "fail")
        #expect(checks(closed)["API key"] == "skip")

        let noSecret = try await CLITests.runAsync(["doctor", "--profile", try profile(server.baseURL), "--json"])
        #expect(noSecret.status == 2)
        #expect(checks(noSecret)["profile and secrets"] == "fail")
        #expect(noSecret.stdout.contains("DOCTOR_KEY"))

        // Healthy REST, and no Kafka password in the profile: Kafka checks are skipped, not failed.
        let rest = try await CLITests.runAsync(["doctor", "--profile", try profile(server.baseURL), "--json"], environment: ["DOCTOR_KEY": "doctor-key-00000001"])
        #expect(rest.status == 0, "\(rest.stdout)")
        #expect(checks(rest)["cluster"] == "pass" && checks(rest)["Kafka login"] == "skip")
        await server.stop()
    }

    /// The TLS line names the version, the cipher suite the server chose and the certificate's
    /// expiry; an untrusted certificate fails with what to check. Against the sandbox's TLS front.
    @Test func tlsLineNamesVersionCipherAndExpiry() async throws {
        let kafka = try await SandboxKafka.start(topics: ["ing-staging-events"], partitions: 1, password: "doctor-tls-password-1")
        let address = try #require(kafka.bootstrap.first.flatMap(HostPort.init))
        let trusted = await Doctor.tlsDetails(host: address.host, port: address.port, minimum: .v1_2, caFile: kafka.caFile)
        let untrusted = await Doctor.tlsDetails(host: address.host, port: address.port, minimum: .v1_2, caFile: "")
        await kafka.stop()
        let detail = try trusted.get()
        print("doctor TLS line against the sandbox front: \(detail)")
        #expect(detail.hasPrefix("tlsv13, TLS_AES_") || detail.hasPrefix("tlsv13, TLS_CHACHA20"), "\(detail)")
        #expect(detail.contains("issued by CN=") && detail.contains("valid until"), "\(detail)")
        guard case .failure(let problem) = untrusted else {
            Issue.record("a certificate from an unknown CA was accepted")
            return
        }
        #expect(problem.message.contains("not trusted"), "\(problem.message)")
    }
}
