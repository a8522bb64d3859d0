import Foundation
import IngestSandbox
import Testing
@testable import IngestCore

/// TLS as the platform's guide asks, against real peers: the sandbox's HTTPS, and OpenSSL's
/// `s_server` playing a gateway that offers only old versions or only suites without forward
/// secrecy (an RSA certificate made by `openssl req`).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
struct TLSPolicyTests {
    @Test func theSandboxSpeaksHTTPSWithAForwardSecretSuite() async throws {
        let harness = try await SandboxHarness.start()
        let caFile = try #require(harness.server.caFile)
        let detail = await Doctor.tlsDetails(host: "127.0.0.1", port: harness.server.port, minimum: .v1_2, caFile: caFile)
        await harness.stop()
        let text = try detail.get()
        #expect(text.contains("(forward secret)"), "\(text)")
        #expect(text.contains("issued by CN=ingest sandbox CA"), "\(text)")
        #expect(harness.server.baseURL.hasPrefix("https://"))
    }

    @Test func aGatewayOfferingOnlyRSAKeyExchangeIsRefusedNamingForwardSecrecy() async throws {
        let server = try OpenSSLServer(["-tls1_2", "-cipher", "AES128-GCM-SHA256"])
        defer { server.stop() }
        let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("k-000000000000"),
                                    baseURL: "https://127.0.0.1:\(server.port)/v3", caFile: server.certificate)
        do {
            _ = try await client.discover()
            Issue.record("a suite without forward secrecy was accepted")
        } catch let error as RestError {
            #expect(error.kind == .tls)
            #expect(error.description.contains("forward secrecy") && error.description.contains("TLS_RSA_WITH_AES_128_GCM_SHA256"), "\(error)")
        }
        await client.shutdown()
        let doctor = await Doctor.tlsDetails(host: "127.0.0.1", port: server.port, minimum: .v1_2, caFile: server.certificate)
        guard case .failure(let problem) = doctor else {
            Issue.record("the doctor passed TLS with a suite without forward secrecy")
            return
        }
        #expect(problem.message.contains("forward secrecy"), "\(problem.message)")
    }

    @Test func aGatewayOfferingOnlyTLS11IsNamed() async throws {
        let server = try OpenSSLServer(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        defer { server.stop() }
        let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("k-000000000000"),
                                    baseURL: "https://127.0.0.1:\(server.port)/v3", caFile: server.certificate)
        do {
            _ = try await client.discover()
            Issue.record("TLS 1.1 was accepted")
        } catch let error as RestError {
            #expect(error.kind == .tls)
            #expect(error.description.contains("only TLS 1.1") && error.description.contains("TLS 1.2 or later"), "\(error)")
        }
        await client.shutdown()
    }
}

/// `openssl s_server` on a free loopback port with an RSA certificate for 127.0.0.1, made for the test.
struct OpenSSLServer {
    let process = Process()
    let port: Int
    let certificate: String
    let directory: URL

    init(_ options: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-openssl-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let request = Process()
        request.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        request.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-keyout", key, "-out", certificate, "-days", "2", "-nodes",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        request.standardOutput = FileHandle.nullDevice
        request.standardError = FileHandle.nullDevice
        try request.run()
        request.waitUntilExit()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key, "-www"] + options
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var banner = ""
        let deadline = Date().addingTimeInterval(10)
        while !banner.contains("ACCEPT") && Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        guard let line = banner.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw InputErrorForTests("openssl s_server did not start: \(banner)")
        }
        self.port = port
    }

    /// SIGKILL: the test process may ignore SIGTERM (ignored signals pass to children).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
