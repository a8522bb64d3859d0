import ArgumentParser
import Foundation
import IngestCore

/// `ingest sends`: the saved sends, each with what it does, or what is wrong with its file.
struct SavedSends: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sends",
        abstract: "List the saved sends (send one with: ingest send --saved NAME --profile PROFILE).",
        discussion: """
        A saved send is NAME.toml in $XDG_CONFIG_HOME/ingest/sends (or --sends DIR) with the keys of \
        the send flags: topic, type, key, [headers], partition, mode, count, rate, and data or file. \
        Save one with ingest send ... --save-as NAME, or write the file by hand.
        """
    )

    @Option(help: "Where saved sends are kept (default $XDG_CONFIG_HOME/ingest/sends).") var sends: String?

    func run() throws {
        let store = SavedSendStore.standard(directory: sends)
        let entries = store.all()
        guard !entries.isEmpty else {
            Output.out("no saved sends in \(store.directory.path)")
            return
        }
        var bad = 0
        for entry in entries {
            switch entry.result {
            case .success(let send): Output.out("\(entry.name.padding(toLength: max(20, entry.name.count), withPad: " ", startingAt: 0))  \(send.summary)")
            case .failure(let error):
                bad += 1
                Output.out("\(entry.name.padding(toLength: max(20, entry.name.count), withPad: " ", startingAt: 0))  unusable: \(error.description)")
            }
        }
        if bad > 0 { throw ExitCode(Exit.usage) }
    }
}
