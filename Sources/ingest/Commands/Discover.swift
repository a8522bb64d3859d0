import ArgumentParser
import Foundation
import IngestCore

struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the cluster id and the Kafka bootstrap servers, through the REST proxy.")

    @Option(help: "Profile name or path to a .toml file.") var profile = "local"
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session: ProfileSession
        do { session = try await ProfileSession.open(named: profile, terminalPrompt: TerminalPrompt.secretPrompt) } catch {
            Output.error("ingest: \(error is ProfileError ? "profile error: " : "")\(error)")
            throw ExitCode(Exit.usage)
        }
        do {
            let discovery = try await session.client.discover()
            await session.close()
            let bootstrap = discovery.brokers.map(\.description).joined(separator: ",")
            if json {
                let brokers = discovery.brokers.map { "{\"host\":\(RecordEncoding.jsonString($0.host)),\"port\":\($0.port)}" }
                Output.out("{\"profile\":\(RecordEncoding.jsonString(session.profile.name)),\"cluster_id\":\(RecordEncoding.jsonString(discovery.clusterID)),\"brokers\":[\(brokers.joined(separator: ","))],\"bootstrap\":\(RecordEncoding.jsonString(bootstrap))}")
            } else {
                Output.out("cluster_id  \(discovery.clusterID)")
                Output.out("bootstrap   \(bootstrap)")
                for broker in discovery.brokers { Output.out("broker      \(broker)") }
            }
        } catch {
            await session.close()
            Output.error("ingest: discovery failed: \(error)")
            throw ExitCode(Exit.notAllDelivered)
        }
    }
}
