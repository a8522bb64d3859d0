import ArgumentParser
import Foundation
import IngestCore

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a profile's connection step by step: secrets, DNS, TCP, TLS, API key, cluster, brokers, broker reach, Kafka login, topic.",
        discussion: "Stops at the first failure and says what to do. Exit 0 when every check passed."
    )

    @Option(help: "Profile name or path to a .toml file.") var profile = "local"
    @Option(help: "Topic to check for (short or full name).") var topic: String?
    @Flag(help: "Print JSON Lines, one per check.") var json = false

    func run() async throws {
        let session: ProfileSession
        let fullTopic: String?
        do {
            let loaded = try ProfileStore.standard().load(profile)
            fullTopic = try topic.map { try loaded.fullTopic($0) }
            session = try await ProfileSession.open(loaded, terminalPrompt: TerminalPrompt.secretPrompt)
        } catch {
            Self.print(ProfileSession.profileCheck(failure: error), json: json)
            throw ExitCode(Exit.usage)
        }
        Self.print(session.profileCheck, json: json)
        let doctor = session.doctor(topic: fullTopic)
        let json = self.json
        let healthy = await doctor.run { Self.print($0, json: json) }
        await session.close()
        if !healthy { throw ExitCode(Exit.notAllDelivered) }
    }

    static func print(_ check: DoctorCheck, json: Bool) {
        if json {
            Output.out(check.jsonLine)
            return
        }
        let mark = switch check.status {
        case .pass: "✔"
        case .fail: "✖"
        case .skip: "–"
        }
        Output.out("\(mark) \(check.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(check.detail)")
        if let advice = check.advice { Output.out("  → \(advice)") }
    }
}
