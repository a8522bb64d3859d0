import Foundation
import IngestKafka
import Logging
import Testing
@testable import IngestCore

@Suite struct LoggingTests {
    @Test func registeredSecretsAreMaskedWhereverTheyAppear() {
        let secret = Secret("scrub-canary-\(UUID().uuidString)")
        let text = "x-api-key: \(secret.reveal()), again \(secret.reveal())\(secret.reveal()) end"
        let scrubbed = SecretScrubber.scrub(text)
        #expect(!scrubbed.contains(secret.reveal()))
        #expect(scrubbed == "x-api-key: ••••, again •••••••• end")
        // Text without a secret comes back unchanged, multi-byte characters included.
        #expect(SecretScrubber.scrub("héllo → wörld") == "héllo → wörld")
    }

    @Test func shortValuesAreNotRegistered() {
        _ = Secret("abc")
        #expect(SecretScrubber.scrub("abc abcd") == "abc abcd")
    }

    @Test func loggingOptionsStandAnywhere() throws {
        let (settings, rest) = try IngestLogging.settings(
            arguments: ["send", "--log-level", "debug", "--topic", "t", "--log-file=/tmp/x.log"], environment: [:])
        #expect(settings == IngestLogging.Settings(level: .debug, file: "/tmp/x.log"))
        #expect(rest == ["send", "--topic", "t"])

        let (fromEnvironment, _) = try IngestLogging.settings(arguments: [], environment: ["INGEST_LOG_LEVEL": "TRACE", "INGEST_LOG_FILE": "/tmp/y"])
        #expect(fromEnvironment == IngestLogging.Settings(level: .trace, file: "/tmp/y"))

        // After `--`, everything is an argument of the command.
        let (_, passed) = try IngestLogging.settings(arguments: ["send", "--", "--log-level", "x"], environment: [:])
        #expect(passed == ["send", "--", "--log-level", "x"])

        #expect(throws: IngestLogging.SetupError.self) { try IngestLogging.settings(arguments: ["--log-level", "loud"], environment: [:]) }
        #expect(throws: IngestLogging.SetupError.self) { try IngestLogging.settings(arguments: ["--log-file"], environment: [:]) }
    }

    @Test func logLinesAreScrubbed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-log-\(UUID()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        #expect(fd >= 0)
        let secret = Secret("log-canary-\(UUID().uuidString)")
        var logger = Logger(label: "test") { label in IngestLogHandler(label: label, level: .debug, sink: .init(fd: fd)) }
        logger[metadataKey: "header"] = "x-api-key: \(secret.reveal())"
        logger.debug("sending with \(secret.reveal())")
        logger.trace("not written at debug")
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("debug test: sending with ••••"))
        #expect(text.contains("header=x-api-key: ••••"))
        #expect(!text.contains(secret.reveal()))
        #expect(!text.contains("not written"))
    }
}

@Suite struct ServerHelloTests {
    /// A ServerHello as a server sends it: record header, handshake header, version, random,
    /// session id, then the cipher suite.
    static func serverHello(suite: UInt16, sessionID: Int = 32) -> [UInt8] {
        var body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 7, count: 32) + [UInt8(sessionID)] + [UInt8](repeating: 9, count: sessionID)
        body += [UInt8(suite >> 8), UInt8(suite & 0xFF), 0x00, 0x00, 0x00]
        let handshake: [UInt8] = [0x02, 0x00, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [22, 0x03, 0x03, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
    }

    @Test func readsTheChosenSuite() {
        #expect(TLSServerHello.cipherSuite(inServerFlight: Self.serverHello(suite: 0x1302)) == 0x1302)
        #expect(TLSServerHello.cipherSuite(inServerFlight: Self.serverHello(suite: 0xC02F, sessionID: 0)) == 0xC02F)
        #expect(TLSServerHello.name(of: 0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(TLSServerHello.name(of: 0xBEEF) == "cipher suite 0xBEEF")
    }

    @Test func incompleteOrForeignBytesGiveNothing() {
        let hello = Self.serverHello(suite: 0x1301)
        for cut in [0, 4, 5, 20, hello.count - 8] {
            #expect(TLSServerHello.cipherSuite(inServerFlight: Array(hello.prefix(cut))) == nil, "cut at \(cut)")
        }
        #expect(TLSServerHello.cipherSuite(inServerFlight: Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) == nil)
        // A ServerHello split over two records is joined.
        let handshake = Array(hello.dropFirst(5))
        let split = [22, 3, 3, 0, 10] + handshake.prefix(10) + [22, 3, 3, UInt8((handshake.count - 10) >> 8), UInt8((handshake.count - 10) & 0xFF)] + handshake.dropFirst(10)
        #expect(TLSServerHello.cipherSuite(inServerFlight: Array(split)) == 0x1301)
    }
}
