import ArgumentParser
import Foundation
import IngestCore

/// What a new user sees first: a few events through the embedded sandbox, reports and all.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a few events to the embedded sandbox and print the reports.")

    @Option(help: "Profile to use (an embedded sandbox profile).") var profile = "local"

    func run() async throws {
        let session: ProfileSession
        do { session = try await ProfileSession.open(named: profile, terminalPrompt: TerminalPrompt.secretPrompt) } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        Output.out("profile \(session.profile.name) (\(session.profile.environment.rawValue)) at \(session.client.baseURL)")
        do {
            let discovery = try await session.client.discover()
            Output.out("cluster \(discovery.clusterID), brokers \(discovery.brokers.map(\.description).joined(separator: ","))")
            let topic = try session.profile.fullTopic(session.profile.sandbox?.topics.first ?? "events")
            for transport in Transport.allCases {
                let event = EventTemplate(value: #"{"playerId":"{{seq}}","value":"demo \#(transport.modeName) event","at":"{{now}}"}"#)
                let name = transport.modeName.padding(toLength: 7, withPad: " ", startingAt: 0)
                let plan = SendPlan(topic: topic, source: .template(event, count: 3), transport: transport)
                let result = await session.sender.run(plan, sinks: [ReportLines { Output.out("\(name) \($0.jsonLine)") }])
                Output.out("\(transport.modeName): \(result.ledger.summaryLine)")
            }
        } catch {
            Output.error("ingest: \(error)")
        }
        await session.close()
        Output.out("next: ingest send --profile local --topic events --data '{\"hello\":\"world\"}'  (see README)")
    }
}
