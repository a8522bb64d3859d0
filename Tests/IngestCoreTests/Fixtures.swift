import Foundation

/// Where the shared conformance bodies live: ../shared beside the checkout.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("../../../shared/conformance/kafka-rest-v3").standardizedFileURL
    static var present: Bool { FileManager.default.fileExists(atPath: directory.path) }
}
