/// The client side of a SCRAM exchange as a value-type state machine: feed it the server's
/// messages, send what it returns. It never holds the password longer than needed to derive
/// the salted password, and never puts it in an error.
public struct SCRAMClient: Sendable {
    private enum State: Sendable {
        case initial
        case sentClientFirst(clientFirstBare: String)
        case sentClientFinal(expectedServerSignature: [UInt8])
        case done
    }

    public let mechanism: SCRAMMechanism
    private let username: String
    private var password: String
    private let clientNonce: String
    private var state: State = .initial

    public init(mechanism: SCRAMMechanism, username: String, password: String, clientNonce: String? = nil) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
        self.clientNonce = clientNonce ?? SCRAMText.randomNonce()
    }

    /// "n,,n=user,r=nonce": no channel binding (the TLS layer is below Kafka's SASL).
    public mutating func clientFirstMessage() -> String {
        let bare = "n=\(SCRAMText.escapeUsername(username)),r=\(clientNonce)"
        state = .sentClientFirst(clientFirstBare: bare)
        return "n,," + bare
    }

    /// Takes the server-first-message and returns the client-final-message.
    public mutating func receiveServerFirst(_ serverFirst: String) throws -> String {
        guard case .sentClientFirst(let clientFirstBare) = state else {
            throw SCRAMError("server-first-message arrived out of order")
        }
        let attributes = try SCRAMText.attributes(serverFirst)
        if let error = SCRAMText.value("e", in: attributes) { throw SCRAMError("server refused: \(error)") }
        guard let nonce = SCRAMText.value("r", in: attributes),
            let saltText = SCRAMText.value("s", in: attributes),
            let iterationText = SCRAMText.value("i", in: attributes), let iterations = Int(iterationText)
        else { throw SCRAMError("server-first-message lacks r, s or i") }
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SCRAMError("server nonce does not extend the client nonce")
        }
        // RFC 7677 asks for at least 4096; Kafka's minimum is 4096 too. Bound it against abuse.
        guard (4096...1_000_000).contains(iterations) else {
            throw SCRAMError("server asked for \(iterations) iterations, outside 4096...1000000")
        }
        let salt = try SCRAMText.unbase64(saltText, "salt")
        let salted = mechanism.saltedPassword(password, salt: salt, iterations: iterations)
        password = ""
        let keys = mechanism.keys(saltedPassword: salted)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = mechanism.hmac(key: keys.storedKey, message: authMessage)
        let proof = SCRAMText.xor(keys.clientKey, clientSignature)
        state = .sentClientFinal(expectedServerSignature: mechanism.hmac(key: keys.serverKey, message: authMessage))
        return "\(withoutProof),p=\(SCRAMText.base64(proof))"
    }

    /// Checks the server-final-message: the server proves it knows the credentials too.
    public mutating func receiveServerFinal(_ serverFinal: String) throws {
        guard case .sentClientFinal(let expected) = state else {
            throw SCRAMError("server-final-message arrived out of order")
        }
        let attributes = try SCRAMText.attributes(serverFinal)
        if let error = SCRAMText.value("e", in: attributes) { throw SCRAMError("server refused: \(error)") }
        guard let signature = SCRAMText.value("v", in: attributes) else {
            throw SCRAMError("server-final-message lacks v")
        }
        guard SCRAMText.constantTimeEqual(try SCRAMText.unbase64(signature, "server signature"), expected) else {
            throw SCRAMError("server signature does not match: the server does not know this user's credentials")
        }
        state = .done
    }
}
