/// What a SCRAM server stores for a user (RFC 5802): never the password itself.
public struct SCRAMCredential: Sendable, Equatable {
    public var salt: [UInt8]
    public var iterations: Int
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    public init(mechanism: SCRAMMechanism, password: String, salt: [UInt8], iterations: Int = 4096) {
        let keys = mechanism.keys(saltedPassword: mechanism.saltedPassword(password, salt: salt, iterations: iterations))
        self.salt = salt
        self.iterations = iterations
        self.storedKey = keys.storedKey
        self.serverKey = keys.serverKey
    }
}

/// The server side of a SCRAM exchange, as a value-type state machine.
public struct SCRAMServer: Sendable {
    private enum State: Sendable {
        case initial
        case sentServerFirst(
            username: String, credential: SCRAMCredential?, clientFirstBare: String, serverFirst: String,
            clientNonce: String, nonce: String)
        case done(username: String)
        case failed
    }

    public let mechanism: SCRAMMechanism
    private let lookup: @Sendable (String) -> SCRAMCredential?
    private let serverNonce: String
    private var state: State = .initial

    /// `lookup` returns the credential of a user, or nil for an unknown user (who still gets
    /// a server-first-message, so the exchange does not reveal which users exist).
    public init(
        mechanism: SCRAMMechanism, serverNonce: String? = nil,
        lookup: @escaping @Sendable (String) -> SCRAMCredential?
    ) {
        self.mechanism = mechanism
        self.lookup = lookup
        self.serverNonce = serverNonce ?? SCRAMText.randomNonce()
    }

    /// The authenticated user once the exchange succeeded.
    public var authenticatedUser: String? {
        if case .done(let username) = state { return username }
        return nil
    }

    public mutating func receiveClientFirst(_ clientFirst: String) throws -> String {
        guard case .initial = state else { throw SCRAMError("client-first-message arrived out of order") }
        state = .failed
        guard clientFirst.hasPrefix("n,") else {
            throw SCRAMError("channel binding is not supported (gs2 header must be 'n,')")
        }
        // Skip the gs2 header "n,[a=authzid],".
        let parts = clientFirst.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw SCRAMError("malformed client-first-message") }
        let bare = String(parts[2])
        let attributes = try SCRAMText.attributes(bare)
        guard let name = SCRAMText.value("n", in: attributes), let clientNonce = SCRAMText.value("r", in: attributes),
            !clientNonce.isEmpty
        else { throw SCRAMError("client-first-message lacks n or r") }
        let username = SCRAMText.unescapeUsername(name)
        let credential = lookup(username)
        let nonce = clientNonce + serverNonce
        // An unknown user gets a plausible salt so the reply looks like any other.
        let salt = credential?.salt ?? mechanism.hash(Array(username.utf8) + Array(serverNonce.utf8)).prefix(16).map { $0 }
        let serverFirst = "r=\(nonce),s=\(SCRAMText.base64(salt)),i=\(credential?.iterations ?? 4096)"
        state = .sentServerFirst(
            username: username, credential: credential, clientFirstBare: bare, serverFirst: serverFirst,
            clientNonce: clientNonce, nonce: nonce)
        return serverFirst
    }

    /// Verifies the client's proof and returns the server-final-message ("v=...").
    /// Throws for a wrong password or unknown user, with the same message for both.
    public mutating func receiveClientFinal(_ clientFinal: String) throws -> String {
        guard case .sentServerFirst(let username, let credential, let clientFirstBare, let serverFirst, let clientNonce, let nonce) =
            state
        else { throw SCRAMError("client-final-message arrived out of order") }
        state = .failed
        guard let proofRange = clientFinal.range(of: ",p=", options: .backwards) else {
            throw SCRAMError("client-final-message lacks the proof")
        }
        let withoutProof = String(clientFinal[..<proofRange.lowerBound])
        let attributes = try SCRAMText.attributes(withoutProof)
        guard let channelBinding = SCRAMText.value("c", in: attributes), channelBinding == "biws" else {
            throw SCRAMError("unexpected channel binding in client-final-message")
        }
        // librdkafka before 2.6.1 sends r = client nonce + full nonce; accept that form too.
        guard let echoed = SCRAMText.value("r", in: attributes), echoed == nonce || echoed == clientNonce + nonce else {
            throw SCRAMError("client-final-message nonce does not match")
        }
        let proof = try SCRAMText.unbase64(String(clientFinal[proofRange.upperBound...]), "client proof")
        guard let credential else { throw SCRAMError("invalid credentials") }
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = mechanism.hmac(key: credential.storedKey, message: authMessage)
        let clientKey = SCRAMText.xor(proof, clientSignature)
        guard proof.count == clientSignature.count,
            SCRAMText.constantTimeEqual(mechanism.hash(clientKey), credential.storedKey)
        else { throw SCRAMError("invalid credentials") }
        state = .done(username: username)
        return "v=\(SCRAMText.base64(mechanism.hmac(key: credential.serverKey, message: authMessage)))"
    }
}
