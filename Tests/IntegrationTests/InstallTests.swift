import Foundation
import Testing
import TestSupport

/// `scripts/install.sh` puts ingest under a prefix, and the installed copy works from anywhere:
/// the local profile and the default theme are built in, the templates and themes are found
/// beside the binary, `ingest init` writes the templates without overwriting.
@Suite struct InstallTests {
    @Test func installedCopyWorksOutsideTheCheckout() async throws {
        let workspace = try Workspace("install")
        let prefix = workspace.root.appendingPathComponent("prefix")
        let install = try await ChildProcess.run("/bin/bash", [IngestCLI.repository.appendingPathComponent("scripts/install.sh").path,
                                                              "--no-build", "--configuration", "debug", "--prefix", prefix.path],
                                                 environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": workspace.home.path],
                                                 timeout: .seconds(120))
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let binary = prefix.appendingPathComponent("bin/ingest").path
        for file in ["share/ingest/profiles/dev.toml", "share/ingest/profiles/production.toml", "share/ingest/themes/light.toml",
                     "share/bash-completion/completions/ingest", "share/zsh/site-functions/_ingest", "share/fish/vendor_completions.d/ingest.fish"] {
            #expect(FileManager.default.fileExists(atPath: prefix.appendingPathComponent(file).path), "\(file) is missing")
        }
        let bash = try String(contentsOf: prefix.appendingPathComponent("share/bash-completion/completions/ingest"), encoding: .utf8)
        #expect(bash.contains("--saved") && bash.contains("--print"), "the completions do not know the send flags")
        #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("share/ingest/profiles/local.toml").path))

        // A fresh user: no config, no INGEST_PROFILES_DIR, run from an unrelated directory.
        let config = workspace.root.appendingPathComponent("fresh-config")
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": workspace.home.path,
                           "XDG_CONFIG_HOME": config.path, "XDG_STATE_HOME": workspace.state.path, "TMPDIR": workspace.temporary.path]
        func ingest(_ arguments: [String]) async throws -> ChildProcess.Finished {
            try await ChildProcess.run(binary, arguments, environment: environment, currentDirectory: workspace.temporary.path, timeout: .seconds(90))
        }
        let version = try await ingest(["--version"])
        #expect(version.status == 0 && version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")
        let profiles = try await ingest(["profiles"])
        #expect(profiles.status == 0, "\(profiles.stderr)")
        #expect(profiles.stdout.contains("local") && profiles.stdout.contains("(built in: local)"), "\(profiles.stdout)")
        #expect(profiles.stdout.contains(prefix.appendingPathComponent("share/ingest/profiles/dev.toml").path), "\(profiles.stdout)")
        let send = try await ingest(["send", "--topic", "events", "--data", #"{"from":"installed"}"#])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("\"outcome\":\"delivered\""))

        let first = try await ingest(["init", "--client-id", "acme"])
        #expect(first.status == 0, "\(first.stderr)")
        let dev = config.appendingPathComponent("ingest/profiles/dev.toml")
        #expect(try String(contentsOf: dev, encoding: .utf8).contains("client_id = \"acme\""))
        try "# edited by the operator\n".appendingToFile(dev)
        let second = try await ingest(["init"])
        #expect(second.status == 0 && second.stdout.contains("kept"), "\(second.stdout)")
        #expect(try String(contentsOf: dev, encoding: .utf8).hasSuffix("# edited by the operator\n"), "init overwrote an existing profile")
        // The user's copy now wins over the shipped template.
        let listed = try await ingest(["profiles"])
        #expect(listed.stdout.contains(dev.path), "\(listed.stdout)")
    }

    /// The manual comes from the command definitions when the generate-manual plugin ran.
    @Test func manualPageListsTheCommands() throws {
        let manual = IngestCLI.repository.appendingPathComponent(".build/plugins/GenerateManual/outputs/ingest/ingest.1")
        try #require(FileManager.default.fileExists(atPath: manual.path), "no manual: run scripts/install.sh (it runs the generate-manual plugin)")
        let text = try String(contentsOf: manual, encoding: .utf8)
        #expect(text.contains(".Dt INGEST 1") && text.contains("ingest.send"))
        let send = try String(contentsOf: manual.deletingLastPathComponent().appendingPathComponent("ingest.send.1"), encoding: .utf8)
        #expect(send.contains("saved") && send.contains("summary-json"), "the manual does not have the send flags")
    }
}

extension String {
    func appendingToFile(_ url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}
