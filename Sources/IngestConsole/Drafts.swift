import Foundation
import IngestCore
import IngestTUI

/// Each profile's last Compose draft, one small JSON file per profile under `drafts/` in the
/// state directory, owner-only (a value may hold what others should not read). Written to a
/// temporary file and renamed, so a crash leaves the old draft or the new one, never half.
struct Drafts: Sendable {
    var directory: String

    init(stateDirectory: String = JournalStore.defaultDirectory()) {
        directory = (stateDirectory as NSString).appendingPathComponent("drafts")
    }

    /// A profile's file: its name with anything outside [A-Za-z0-9._-] made `_`.
    func path(_ profile: String) -> String {
        let safe = String(profile.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_" })
        return (directory as NSString).appendingPathComponent((safe.isEmpty ? "_" : safe) + ".json")
    }

    func load(_ profile: String) -> ComposeDraft? {
        guard let data = FileManager.default.contents(atPath: path(profile)), data.count <= 4 * 1_048_576 else { return nil }
        return try? JSONDecoder().decode(ComposeDraft.self, from: data)
    }

    func save(_ draft: ComposeDraft, profile: String) {
        guard let data = try? JSONEncoder().encode(draft) else { return }
        let target = path(profile)
        let temporary = target + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
            if rename(temporary, target) != 0 { unlink(temporary) }
        } catch {
            unlink(temporary)
        }
    }
}
