import ArgumentParser
import Foundation
import IngestCore

/// What a new user sees first: a few events through the embedded sandbox, reports and all.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a few events to the embedded sandbox and print the reports.")

    @Option(help: "Profile to use (an embedded sandbox profile).") var profile = "local"

    func run() async throws {
        let session: Session
        do { session = try await Session.open(profile) } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        Output.out("profile \(session.profile.name) (\(session.profile.environment.rawValue)) at \(session.client.baseURL)")
        do {
            let discovery = try await session.client.discover()
            Output.out("cluster \(discovery.clusterID), brokers \(discovery.brokers.map(\.description).joined(separator: ","))")
            let topic = try session.profile.fullTopic(session.profile.sandbox?.topics.first ?? "events")
            for mode in SendMode.allCases {
                let source = try TemplateSource(value: #"{"playerId":"{{seq}}","value":"demo \#(mode.rawValue) event","at":"{{now}}"}"#, valueType: .json, count: 3)
                let result = await session.client.send(source: source, topic: topic, mode: mode) { Output.out("\(mode.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \($0.jsonLine)") }
                Output.out("\(mode.rawValue): \(result.ledger.summaryLine)")
            }
        } catch {
            Output.error("ingest: \(error)")
        }
        await session.close()
        Output.out("next: ingest send --profile local --topic events --data '{\"hello\":\"world\"}'  (see README)")
    }
}
