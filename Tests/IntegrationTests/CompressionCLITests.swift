import Foundation
import Testing
import TestSupport

/// `--compression` and the profile's `[kafka] compression` on the path an operator runs:
/// `ingest send --via native` through the sandbox's TLS + SCRAM front, read back by kcat.
@Suite struct CompressionCLITests {
    @Test(arguments: ["gzip", "lz4", "zstd"])
    func compressedNativeSendsReadBackIdentical(codec: String) async throws {
        let key = "compress-key-\(UUID().uuidString.prefix(8))"
        let sandbox = try await StandaloneSandbox.start(["--api-key", key, "--topic", "ing-staging-packed"])
        defer { sandbox.stop() }
        let kafka = try #require(sandbox.kafka, "no Kafka line in the banner: \(sandbox.banner)")
        let workspace = try Workspace("compress")
        let profile = try workspace.profile("packed", """
            name = "packed"
            environment = "dev"
            rest_url = "\(sandbox.base)"
            topic_prefix = "ing-staging-"
            api_key = "env:PACKED_KEY"
            [kafka]
            password = "env:PACKED_KAFKA_PASSWORD"
            bootstrap = "\(kafka.bootstrap)"
            ca_file = "\(kafka.caFile)"
            compression = "\(codec)"
            """)
        let environment = ["PACKED_KEY": key, "PACKED_KAFKA_PASSWORD": kafka.password]
        // The profile's codec, then the flag's (zstd) over it.
        for (round, flag) in [[], ["--compression", "zstd"]].enumerated() {
            let run = try await workspace.run(
                ["send", "--profile", profile, "--topic", "packed", "--via", "native", "--data", #"{"codec":"\#(codec)","round":\#(round),"n":{{seq}}}"#,
                 "--count", "50"] + flag, environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("delivered 50, failed 0, unknown 0"), "\(run.stderr)")
        }
        let read = try await KcatRun.output(["-C", "-b", kafka.plaintext, "-t", "ing-staging-packed", "-e", "-q", "-f", "%s\n"])
        let values = Set(read.split(separator: "\n").map(String.init))
        let expected = Set((0..<2).flatMap { round in (1...50).map { #"{"codec":"\#(codec)","round":\#(round),"n":\#($0)}"# } })
        #expect(values == expected, "read back \(values.count) distinct values")
    }

    @Test func aBadCodecIsAProfileErrorNamingTheKey() async throws {
        let workspace = try Workspace("compress")
        let profile = try workspace.profile("bad", """
            name = "bad"
            environment = "dev"
            rest_url = "http://127.0.0.1:9/v3"
            topic_prefix = "ing-staging-"
            api_key = "env:BAD_KEY"
            [kafka]
            compression = "snappy"
            """)
        let run = try await workspace.run(["send", "--profile", profile, "--topic", "events", "--via", "native", "--data", "{}"],
                                          environment: ["BAD_KEY": "bad-key-000000001"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("kafka.compression") && run.stderr.contains("\"zstd\""), "\(run.stderr)")
        let flag = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--compression", "lz4", "--data", "{}"])
        #expect(flag.status == 2 && flag.stderr.contains("--via native"), "\(flag.stderr)")
    }
}
