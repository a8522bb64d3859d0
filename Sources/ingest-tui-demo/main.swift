// The console over in-memory PreviewServices: no network, no core.
// Usage: ingest-tui-demo [profile] [theme.toml]   (profiles: sandbox, dev, dev-prompt, prod, broken)
//        ingest-tui-demo --bench [rows]          (no terminal: update and render timings)
import Foundation
import ConsolePreview
import IngestTUI

let args = Array(CommandLine.arguments.dropFirst())
if args.first == "--bench" {
    Bench.run(rows: args.count > 1 ? Int(args[1]) ?? 100_000 : 100_000)
    exit(0)
}
let profile = args.first ?? "dev"
let theme = args.count > 1 ? args[1] : ProcessInfo.processInfo.environment["INGEST_THEME"]
do {
    let code = try await Console.run(services: PreviewServices(), initialProfile: profile, themePath: theme)
    exit(code)
} catch {
    FileHandle.standardError.write(Data("ingest-tui-demo: \(error)\n".utf8))
    exit(2)
}
