import ArgumentParser
import Foundation
import IngestCore

struct ImportProperties: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-properties",
        abstract: "Turn a Java producer.properties block (as in the integration guide) into a profile's [kafka] table.",
        discussion: "The password is never copied: it becomes a secret reference (--password-ref)."
    )

    @Option(help: "The properties file (- for stdin).") var file: String
    @Option(name: .customLong("password-ref"), help: "Where the password will come from: env:NAME, file:PATH or prompt.") var passwordReference = "env:INGEST_DEV_KAFKA_PASSWORD"

    func run() throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                Output.error("ingest: cannot read \(file)")
                throw ExitCode(Exit.usage)
            }
            text = String(decoding: data, as: UTF8.self)
        }
        guard let reference = SecretReference.parse(passwordReference), reference != .sandbox else {
            Output.error("ingest: --password-ref expects env:NAME, file:PATH or prompt")
            throw ExitCode(Exit.usage)
        }
        do {
            let imported = try PropertiesImport.parse(text)
            Output.out(PropertiesImport.kafkaTable(imported, passwordReference: reference), terminator: "")
            if imported.hadPassword {
                Output.error("note: the password in \(file) was not copied; the profile reads it from \(reference)")
            }
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
    }
}

