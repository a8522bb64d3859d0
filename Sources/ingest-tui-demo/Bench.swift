import Foundation
import IngestModel
import IngestTUI

/// `ingest-tui-demo --bench [rows]`: no terminal; times update and render with a full ring.
enum Bench {
    static func run(rows: Int) {
        let clock = ContinuousClock()
        var (state, _) = Update.start(initialProfile: "bench")
        let dev = ProfileSummary(name: "bench", environment: .dev, source: "bench", topicPrefix: "ing-staging-", baseURL: "http://x/v3", maskedAPIKey: "k", needsPromptedSecret: false)
        _ = Update.apply(&state, .activated(profile: "bench", .success(dev)))
        _ = Update.apply(&state, .resize(width: 120, height: 40))
        _ = Update.apply(&state, .key(.char("2")))
        // Feed 1.5x the ring in batches of 256, as the runtime's queue coalesces them.
        let total = rows + rows / 2
        var seq = 0
        let feed = clock.measure {
            while seq < total {
                var batch: [DeliveryReport] = []
                for _ in 0..<256 where seq < total {
                    seq += 1
                    let outcome: Outcome = seq % 100 == 42 ? .failed(code: 400, message: "Bad Request")
                        : .delivered(partition: seq % 3, offset: Int64(seq), timestamp: "2026-11-25T03:00:00.000Z")
                    batch.append(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: Double(seq % 50) / 3))
                }
                _ = Update.apply(&state, .sendEvents(id: 1, [.reports(batch, sent: seq)], now: Double(seq) / 10000))
            }
        }
        func frames(_ label: String, _ n: Int) {
            var grid = Render.screen(state)
            let d = clock.measure { for _ in 0..<n { grid = Render.screen(state) } }
            precondition(grid.width == state.width)
            print(label.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%8.3f ms/frame", ms(d) / Double(n)))
        }
        print("rows fed \(total), held \(state.reports.held), counters exact: \(state.reports.delivered + state.reports.failed == total)")
        print(String(format: "update: %.0f reports/s (%.3f µs/report)", Double(total) / (ms(feed) / 1000), ms(feed) * 1000 / Double(total)))
        frames("render reports 120x40, follow", 200)
        _ = Update.apply(&state, .key(.char("e")))
        frames("render reports, failed-only filter", 50)
        _ = Update.apply(&state, .key(.char("e")))
        _ = Update.apply(&state, .key(.char("1")))
        frames("render compose 120x40", 200)
        _ = Update.apply(&state, .resize(width: 80, height: 24))
        _ = Update.apply(&state, .key(.char("2")))
        frames("render reports 80x24, follow", 200)
    }

    static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
