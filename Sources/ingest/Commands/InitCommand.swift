import ArgumentParser
import Foundation
import IngestCore

/// `ingest init`: the dev and production profile templates, copied where the operator edits
/// them. Never overwrites a file.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the dev and production profile templates into $XDG_CONFIG_HOME/ingest/profiles (never overwriting)."
    )

    @Option(name: .customLong("client-id"), help: "Fill in client_id (the id Future Anthem gave you).") var clientID: String?

    static let templates = ["dev", "production"]

    func run() throws {
        if let clientID, clientID.isEmpty || !clientID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            Output.error("ingest: --client-id takes letters, digits, '-' and '_' (it goes into the proxy's host name)")
            throw ExitCode(Exit.usage)
        }
        let directory = InstallLayout.configDirectory().appendingPathComponent("profiles")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.createDirectory(at: InstallLayout.configDirectory().appendingPathComponent("sends"), withIntermediateDirectories: true)
        } catch {
            Output.error("ingest: cannot create \(directory.path): \(error.localizedDescription)")
            throw ExitCode(Exit.usage)
        }
        var missing: [String] = []
        for name in Self.templates {
            let target = directory.appendingPathComponent(name + ".toml")
            if FileManager.default.fileExists(atPath: target.path) {
                Output.out("kept     \(target.path) (it exists; nothing overwritten)")
                continue
            }
            guard let template = InstallLayout.shipped("profiles", name + ".toml"),
                  var text = try? String(contentsOf: template, encoding: .utf8)
            else {
                missing.append(name)
                continue
            }
            if let clientID { text = text.replacingOccurrences(of: "client_id = \"\"", with: "client_id = \"\(clientID)\"") }
            // O_EXCL: a file that appeared meanwhile is never overwritten either.
            let fd = open(target.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                Output.out("kept     \(target.path) (\(String(cString: strerror(errno))))")
                continue
            }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            handle.write(Data(text.utf8))
            try? handle.close()
            Output.out("wrote    \(target.path) (from \(template.path))")
        }
        if !missing.isEmpty {
            Output.error("ingest: no shipped template for \(missing.joined(separator: ", ")): looked in \(InstallLayout.shareDirectories().map { $0.appendingPathComponent("profiles").path }.joined(separator: ", ").nonEmpty ?? "nothing beside \(InstallLayout.executable.path)") (install with scripts/install.sh)")
            throw ExitCode(Exit.usage)
        }
        Output.out("""
            next: set client_id in each (or run ingest init --client-id ID on a fresh config), export \
            INGEST_DEV_API_KEY and INGEST_DEV_KAFKA_PASSWORD (INGEST_PROD_… for production), then: ingest doctor --profile dev
            """)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
