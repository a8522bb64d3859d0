import Foundation
import IngestCore
import IngestTUI

/// Saved sends and "copy as", through the same core code as `ingest send --saved`,
/// `--save-as` and `--print`.
extension LiveConsoleServices {
    /// The most a copy holds: OSC 52 and clipboards are not meant for more.
    static let maximumCopyBytes = 1_048_576

    public nonisolated func savedSends() async -> SavedSendList {
        SavedSendList(directory: savedStore.directory.path, items: savedStore.all().map { entry in
            SavedSendItem(name: entry.name, file: entry.file.path, result: entry.result.mapError { ServiceFailure($0.description) })
        })
    }

    public nonisolated func saveSend(_ send: SavedSend, name: String, replace: Bool) async throws -> SaveOutcome {
        var send = send
        // A path typed in Load is the console's (its directory, `~`); the file says it whole.
        if let file = send.file {
            send.file = URL(fileURLWithPath: Self.expandingTilde(file)).standardizedFileURL.path
        }
        let url = savedStore.url(name)
        if !replace, FileManager.default.fileExists(atPath: url.path) { return .exists(path: url.path) }
        do {
            return .saved(path: try savedStore.save(send, name: name, replace: replace).path)
        } catch {
            throw ServiceFailure("\(error)")
        }
    }

    public func copyAs(_ format: CopyFormat, profile: String, plan: SendPlan) async throws -> String {
        let plan = Self.expandingTilde(plan)
        if format != .properties, let count = plan.source.knownCount, count > 10_000 {
            throw ServiceFailure("\(count) records are too many to copy: ingest send … --print \(format.rawValue) > FILE writes them")
        }
        do {
            let session = try await session(profile)
            var text = ""
            var over = false
            try await CopyAs.render(CopyAs.Format(rawValue: format.rawValue)!, plan: plan, session: session) { piece in
                if over || text.utf8.count + piece.utf8.count > Self.maximumCopyBytes {
                    over = true
                } else {
                    text += piece
                }
            }
            if over {
                throw ServiceFailure("the commands are more than 1 MiB: copy fewer records, or write them with ingest send … --print \(format.rawValue) > FILE")
            }
            // The commands name secrets by variable; this only guards against one typed into a value.
            return SecretScrubber.scrub(text)
        } catch let failure as ServiceFailure {
            throw failure
        } catch {
            throw ServiceFailure(SecretScrubber.scrub("\(error)"))
        }
    }
}
