import Foundation
import IngestKafkaFront
import IngestModel
import NIOSSL

/// The sandbox's HTTPS: a CA made at start, a certificate for its host, TLS 1.2 at least and,
/// with TLS 1.2, forward-secret (ECDHE) suites only, as the platform's guide asks of its gateway.
/// Clients trust the CA through a PEM file, so certificate checks stay on end to end.
struct SandboxTLS: Sendable {
    let configuration: TLSConfiguration
    /// The CA (and any other CA the sandbox's clients need, such as its Kafka front's), 0600.
    let caFile: String

    /// ECDHE suites only: the server's key is ECDSA (P-256), so these are the TLS 1.2 suites it can use.
    static let forwardSecretSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    static func make(host: String, alsoTrust: [String]) throws -> SandboxTLS {
        let certificates = try FrontCertificates.make(hostnames: [host, "localhost"])
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificates.serverCertificate)], privateKey: .privateKey(certificates.serverKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = forwardSecretSuites
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-sandbox-ca-\(UUID().uuidString.prefix(8)).pem").path
        let bundle = ([certificates.caPEM] + alsoTrust).joined(separator: "\n")
        guard FileManager.default.createFile(atPath: path, contents: Data(bundle.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw InputError("cannot write the sandbox CA to \(path)")
        }
        return SandboxTLS(configuration: configuration, caFile: path)
    }

    func removeFile() {
        try? FileManager.default.removeItem(atPath: caFile)
    }
}
