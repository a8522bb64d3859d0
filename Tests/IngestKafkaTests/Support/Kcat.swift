import Foundation
import TestSupport

/// One message as `kcat -C -J` prints it.
struct KcatMessage: Decodable {
    var partition: Int32
    var offset: Int64
    var key: String?
    var payload: String?
    var headers: [String]?
    /// The record's timestamp (CreateTime, as the producer set it).
    var ts: Int64?
}

enum Kcat {
    static func path() throws -> String {
        try Tools.kcat()
    }

    /// Every message of a topic, read by librdkafka through kcat.
    static func consumeAll(bootstrap: String, topic: String, extra: [String] = []) async throws -> [KcatMessage] {
        let output = try await ToolRun.run(
            try path(), ["-C", "-b", bootstrap, "-t", topic, "-e", "-J", "-q", "-X", "log_level=3"] + extra, timeout: .seconds(60))
        let decoder = JSONDecoder()
        return try output.split(separator: "\n").map { try decoder.decode(KcatMessage.self, from: Data($0.utf8)) }
    }
}
