import ArgumentParser
import Foundation
import IngestCore

struct Profiles: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the profiles found, their environment, masked secrets and where each came from.")

    @Flag(help: "Print JSON Lines.") var json = false

    func run() throws {
        let entries = ProfileStore.standard().all()
        if entries.isEmpty { Output.error("no profiles found (looked in \(ProfileStore.standard().directories.map(\.path).joined(separator: ", ")))") }
        for entry in entries {
            switch entry.result {
            case .success(let profile):
                let key = Self.describe(profile.apiKey, what: "api_key")
                let password = profile.kafka.password.map { Self.describe($0, what: "password") } ?? "none"
                if json {
                    Output.out("{\"name\":\(RecordEncoding.jsonString(profile.name)),\"environment\":\"\(profile.environment.rawValue)\",\"rest_url\":\(RecordEncoding.jsonString(profile.baseURL)),\"topic_prefix\":\(RecordEncoding.jsonString(profile.topicPrefix)),\"api_key\":\(RecordEncoding.jsonString(key)),\"kafka_password\":\(RecordEncoding.jsonString(password)),\"source\":\(RecordEncoding.jsonString(entry.file.path))}")
                } else {
                    let marker = profile.environment == .production ? "  <-- PRODUCTION" : ""
                    Output.out("\(profile.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(profile.environment.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(profile.baseURL)\(marker)")
                    Output.out("             topics \(profile.topicPrefix)<topic>   api_key \(key)   kafka.password \(password)")
                    Output.out("             from \(entry.file.path)")
                }
            case .failure(let error):
                if json {
                    Output.out("{\"name\":\(RecordEncoding.jsonString(entry.name)),\"error\":\(RecordEncoding.jsonString(error.description)),\"source\":\(RecordEncoding.jsonString(entry.file.path))}")
                } else {
                    Output.out("\(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) UNUSABLE    \(error.description)")
                }
            }
        }
    }

    /// The reference and, when it resolves here, the masked secret.
    static func describe(_ reference: SecretReference, what: String) -> String {
        switch reference {
        case .prompt, .sandbox: return reference.description
        case .environment, .file:
            var resolver = SecretResolver()
            if let secret = try? resolver.resolve(reference, what: what) { return "\(reference) (\(secret.masked))" }
            return "\(reference) (not set)"
        }
    }
}
