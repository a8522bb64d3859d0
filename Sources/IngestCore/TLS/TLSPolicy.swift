import IngestKafka
import NIOSSL

/// The client side of TLS everywhere ingest speaks HTTPS: certificate checks on, TLS 1.2 at
/// least (the profile may ask 1.3), and with TLS 1.2 only forward-secret suites (ECDHE), as
/// the platform's guide asks ("cipher suites with perfect forward secrecy such as ECDHE").
/// TLS 1.3 suites are all forward-secret.
public enum TLSPolicy {
    /// `caFile`: extra CA certificates (PEM) to trust besides the system's.
    static func clientConfiguration(minimum: TLSMinimumVersion, caFile: String?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = minimum == .v1_3 ? .tlsv13 : .tlsv12
        tls.cipherSuiteValues = TLSServerHello.forwardSecretTLS12
        tls.certificateVerification = .fullVerification
        if let caFile, !caFile.isEmpty {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
        }
        return tls
    }
}
