import Testing

@testable import IngestKafka

@Suite struct SCRAMTests {
    @Test func rfc7677SHA256Vector() throws {
        var client = SCRAMClient(
            mechanism: .sha256, username: "user", password: "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO")
        #expect(client.clientFirstMessage() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        let final = try client.receiveServerFirst(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        #expect(
            final
                == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        )
        try client.receiveServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    /// Values made by an independent implementation (Python 3.11 hashlib / hmac):
    /// ```
    /// import hashlib, hmac, base64
    /// user, pw = "producer", "s3cr3t-pa55"
    /// cnonce = "fyko+d2lbbFgONRv9qkxdawL"; snonce = cnonce + "3rfcNHYJY1ZVvWVs7j"
    /// salt = base64.b64decode("QSXCR+Q6sek8bf92"); it = 4096; h = hashlib.sha512
    /// salted = hashlib.pbkdf2_hmac("sha512", pw.encode(), salt, it)
    /// ck = hmac.new(salted, b"Client Key", h).digest(); sk = h(ck).digest()
    /// svk = hmac.new(salted, b"Server Key", h).digest()
    /// cfb = f"n={user},r={cnonce}"; sf = f"r={snonce},s={base64.b64encode(salt).decode()},i={it}"
    /// cfwp = f"c=biws,r={snonce}"; am = f"{cfb},{sf},{cfwp}".encode()
    /// proof = bytes(a ^ b for a, b in zip(ck, hmac.new(sk, am, h).digest()))
    /// print(f"{cfwp},p={base64.b64encode(proof).decode()}")
    /// print("v=" + base64.b64encode(hmac.new(svk, am, h).digest()).decode())
    /// ```
    static let sha512ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    static let sha512ClientFinal =
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=c9wq5JPCJaeLtROB+7lPs9cjHletAn6Rxejtyv6W+z8DL3Kj3gNfPtyOcA3Pqy4u2vMsQtM4rZN3XwQPoUJBAA=="
    static let sha512ServerFinal =
        "v=He3HLv8bR45ncAH2INVVRJfYVmCwgj3QypLojvmO+UyZFlRa1Bu8kptTf4PsVNAF0o+ZC5131+Q8Bp4wbS2rLw=="

    @Test func sha512VectorFromPython() throws {
        var client = SCRAMClient(
            mechanism: .sha512, username: "producer", password: "s3cr3t-pa55", clientNonce: "fyko+d2lbbFgONRv9qkxdawL")
        #expect(client.clientFirstMessage() == "n,,n=producer,r=fyko+d2lbbFgONRv9qkxdawL")
        #expect(try client.receiveServerFirst(Self.sha512ServerFirst) == Self.sha512ClientFinal)
        try client.receiveServerFinal(Self.sha512ServerFinal)
    }

    @Test func clientRejectsForgedServerSignature() throws {
        var client = SCRAMClient(
            mechanism: .sha512, username: "producer", password: "s3cr3t-pa55", clientNonce: "fyko+d2lbbFgONRv9qkxdawL")
        _ = client.clientFirstMessage()
        _ = try client.receiveServerFirst(Self.sha512ServerFirst)
        #expect(throws: SCRAMError.self) {
            try client.receiveServerFinal("v=" + String(repeating: "A", count: 86) + "==")
        }
    }

    @Test func clientRejectsNonceThatDoesNotExtendItsOwn() {
        var client = SCRAMClient(mechanism: .sha256, username: "u", password: "p", clientNonce: "abc")
        _ = client.clientFirstMessage()
        #expect(throws: SCRAMError.self) { try client.receiveServerFirst("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096") }
    }

    static func server(_ mechanism: SCRAMMechanism, password: String = "s3cr3t-pa55") -> SCRAMServer {
        let credential = SCRAMCredential(mechanism: mechanism, password: password, salt: Array("saltsaltsalt".utf8))
        return SCRAMServer(mechanism: mechanism) { $0 == "producer" ? credential : nil }
    }

    @Test(arguments: SCRAMMechanism.allCases) func serverAcceptsClient(mechanism: SCRAMMechanism) throws {
        var server = Self.server(mechanism)
        var client = SCRAMClient(mechanism: mechanism, username: "producer", password: "s3cr3t-pa55")
        let serverFirst = try server.receiveClientFirst(client.clientFirstMessage())
        let serverFinal = try server.receiveClientFinal(try client.receiveServerFirst(serverFirst))
        try client.receiveServerFinal(serverFinal)
        #expect(server.authenticatedUser == "producer")
    }

    @Test(arguments: SCRAMMechanism.allCases) func serverRefusesWrongPasswordAndUnknownUser(mechanism: SCRAMMechanism) throws {
        for (user, password) in [("producer", "wrong"), ("nobody", "s3cr3t-pa55")] {
            var server = Self.server(mechanism)
            var client = SCRAMClient(mechanism: mechanism, username: user, password: password)
            let serverFirst = try server.receiveClientFirst(client.clientFirstMessage())
            let clientFinal = try client.receiveServerFirst(serverFirst)
            #expect(throws: SCRAMError("invalid credentials")) { try server.receiveClientFinal(clientFinal) }
            #expect(server.authenticatedUser == nil)
        }
    }

    /// librdkafka < 2.6.1 echoes r = client nonce + full nonce; the server must accept it.
    @Test func serverToleratesLibrdkafkaNonceQuirk() throws {
        let mechanism = SCRAMMechanism.sha512
        var server = Self.server(mechanism)
        let clientNonce = "abcdefgh"
        let serverFirst = try server.receiveClientFirst("n,,n=producer,r=\(clientNonce)")
        let attributes = try SCRAMText.attributes(serverFirst)
        let nonce = try #require(SCRAMText.value("r", in: attributes))
        let salt = try SCRAMText.unbase64(try #require(SCRAMText.value("s", in: attributes)), "salt")
        let keys = mechanism.keys(saltedPassword: mechanism.saltedPassword("s3cr3t-pa55", salt: salt, iterations: 4096))
        let withoutProof = "c=biws,r=\(clientNonce)\(nonce)"
        let authMessage = Array("n=producer,r=\(clientNonce),\(serverFirst),\(withoutProof)".utf8)
        let proof = SCRAMText.xor(keys.clientKey, mechanism.hmac(key: keys.storedKey, message: authMessage))
        _ = try server.receiveClientFinal("\(withoutProof),p=\(SCRAMText.base64(proof))")
        #expect(server.authenticatedUser == "producer")
    }

    @Test func serverRefusesGarbage() {
        for input in ["", "y,,n=a,r=b", "n,,", "n,,n=producer", "n,,x"] {
            var server = Self.server(.sha256)
            #expect(throws: SCRAMError.self) { try server.receiveClientFirst(input) }
        }
    }
}
