import ArgumentParser
import Foundation
import IngestCore

/// `--dry-run` and `--print`: what a send would do, written to stdout instead of sent.
enum SendOutput {
    /// One produce request per line (JSON values compacted so each stays on one line): the
    /// body `ingest send` would post, and a line `ingest send --file` reads back.
    static func dryRun(_ plan: SendPlan) throws {
        let out = BufferedOutput()
        do {
            try CopyAs.forEachRecord(plan) { _, record in
                out.write(CopyAs.requestLine(record))
            }
        } catch {
            out.flush()
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        out.flush()
    }

    static func print(_ format: CopyAs.Format, plan: SendPlan, session: ProfileSession) async -> Result<Void, Error> {
        let out = BufferedOutput()
        do {
            try await CopyAs.render(format, plan: plan, session: session) { out.write($0) }
            out.flush()
            return .success(())
        } catch {
            out.flush()
            Output.error("ingest: \(error)")
            return .failure(ExitCode(Exit.usage))
        }
    }
}
