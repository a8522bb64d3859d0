import Foundation
import TestSupport

/// One message as `kcat -C -J` prints it.
struct KcatMessage: Decodable {
    var partition: Int32
    var offset: Int64
    var key: String?
    var payload: String?
    var headers: [String]?
}

enum Kcat {
    static func path() throws -> String {
        guard let path = TestPeers.which("kcat") else {
            throw TestPeerError("kcat not found: apt-get install -y kcat librdkafka-dev")
        }
        return path
    }

    /// Every message of a topic, read by librdkafka through kcat.
    static func consumeAll(bootstrap: String, topic: String) throws -> [KcatMessage] {
        let output = try ToolRun.output(
            try path(), ["-C", "-b", bootstrap, "-t", topic, "-e", "-J", "-q", "-X", "log_level=3"], timeout: .seconds(60))
        let decoder = JSONDecoder()
        return try output.split(separator: "\n").map { try decoder.decode(KcatMessage.self, from: Data($0.utf8)) }
    }
}
