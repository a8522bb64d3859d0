import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A CA made at start and a server certificate it signs for localhost / 127.0.0.1. Clients
/// trust the CA explicitly (ssl.ca.location), so verification stays on end to end.
/// Public so that the sandbox's HTTPS listener makes its certificate the same way.
public struct FrontCertificates: Sendable {
    public let caPEM: String
    public let serverCertificate: NIOSSLCertificate
    public let serverKey: NIOSSLPrivateKey

    public static func make(hostnames: [String]) throws -> FrontCertificates {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        // A name of its own: clients pick an issuer by name, so two CAs trusted together
        // (two sandboxes, or a sandbox and a test's TLS server) must not share one.
        let caName = try DistinguishedName {
            OrganizationName("ingest sandbox")
            OrganizationalUnitName("ca-" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
            CommonName("ingest sandbox CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 30 * 86400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))

        let serverKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for host in hostnames {
            if let ip = IPv4Address(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip))))
            } else {
                names.append(.dnsName(host))
            }
        }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 30 * 86400, issuer: caName,
            subject: try DistinguishedName { CommonName(hostnames.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))

        return FrontCertificates(
            caPEM: try ca.serializeAsPEM().pemString,
            serverCertificate: try NIOSSLCertificate(bytes: Array(try server.serializeAsPEM().pemString.utf8), format: .pem),
            serverKey: try NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem))
    }
}

/// Dotted IPv4 text to its four bytes.
private func IPv4Address(_ text: String) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var bytes: [UInt8] = []
    for part in parts {
        guard let byte = UInt8(part) else { return nil }
        bytes.append(byte)
    }
    return bytes
}
