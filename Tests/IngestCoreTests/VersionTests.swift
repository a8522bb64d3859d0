import Testing
@testable import IngestCore
@Test func version() { #expect(!IngestCoreVersion.string.isEmpty) }
