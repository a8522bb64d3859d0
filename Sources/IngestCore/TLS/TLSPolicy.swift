import NIOSSL

/// The client side of TLS everywhere ingest speaks HTTPS: certificate checks on, TLS 1.2 at
/// least (the profile may ask 1.3), and with TLS 1.2 only forward-secret suites (ECDHE), as
/// the platform's guide asks ("cipher suites with perfect forward secrecy such as ECDHE").
/// TLS 1.3 suites are all forward-secret.
public enum TLSPolicy {
    static let forwardSecretSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    ]

    /// `caFile`: extra CA certificates (PEM) to trust besides the system's.
    static func clientConfiguration(minimum: TLSMinimumVersion, caFile: String?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = minimum == .v1_3 ? .tlsv13 : .tlsv12
        tls.cipherSuiteValues = forwardSecretSuites
        tls.certificateVerification = .fullVerification
        if let caFile, !caFile.isEmpty {
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
        }
        return tls
    }

    /// Whether a suite (IANA number) keeps past sessions safe if the server's key leaks.
    public static func isForwardSecret(_ suite: UInt16) -> Bool {
        switch suite {
        case 0x1301...0x1305: true                                                  // TLS 1.3
        case 0xC006...0xC00A, 0xC010...0xC014, 0xC023, 0xC024, 0xC027, 0xC028,
             0xC02B, 0xC02C, 0xC02F, 0xC030, 0xC033...0xC03B: true                 // ECDHE
        case 0xCCA8, 0xCCA9, 0xCCAC: true                                           // ECDHE, ChaCha20
        case 0x0033, 0x0039, 0x0067, 0x006B, 0x009E, 0x009F, 0xCCAA: true           // DHE
        default: false
        }
    }
}
