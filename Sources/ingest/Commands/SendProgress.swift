import Foundation
import IngestCore
import Synchronization

/// Progress while sending, on stderr: a bar redrawn in place when stderr is a terminal (with
/// `--progress`, or when the reports on stdout go elsewhere), lines every `interval` seconds
/// with `--progress` otherwise, like kafka-producer-perf-test.
final class SendProgress: SendSink {
    private struct Counts {
        var sent = 0, delivered = 0, failed = 0, unknown = 0
        var bytes = 0
        var latencySum = 0.0, latencyCount = 0, latencyMax = 0.0

        mutating func add(latency: Double?) {
            guard let latency else { return }
            latencySum += latency
            latencyCount += 1
            latencyMax = max(latencyMax, latency)
        }
    }

    private enum Style { case bar, lines }

    private let counts = Mutex(Counts())
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let drewBar = Atomic<Bool>(false)
    /// Nothing is shown (no terminal, no --progress): counting would only cost.
    private let shown: Bool

    init(plan: SendPlan, enabled: Bool, interval: Double) {
        let stderrIsTerminal = isatty(STDERR_FILENO) == 1
        let style: Style?
        if stderrIsTerminal && (enabled || isatty(STDOUT_FILENO) != 1) {
            style = .bar
        } else {
            style = enabled ? .lines : nil
        }
        shown = style != nil
        guard let style else { return }
        let total = plan.source.knownCount.flatMap { $0 == Int.max ? nil : $0 }
        let duration = plan.options.durationSeconds
        task.withLock { $0 = Task { [weak self] in await self?.show(style, total: total, duration: duration, interval: interval) } }
    }

    var wantsRecords: Bool { shown }

    func willSend(seq: Int, record: EventRecord) {
        counts.withLock {
            $0.sent += 1
            $0.bytes += record.approximateSize
        }
    }

    func didReport(_ reports: [DeliveryReport]) {
        guard shown else { return }
        counts.withLock { counts in
            for report in reports {
                switch report.outcome {
                case .delivered: counts.delivered += 1
                case .failed: counts.failed += 1
                case .unknown: counts.unknown += 1
                }
                counts.add(latency: report.latencyMilliseconds)
            }
        }
    }

    func didDeliver(_ range: DeliveredRange) {
        guard shown else { return }
        counts.withLock { counts in
            counts.delivered += range.count
            for latency in range.latenciesMs ?? [] { counts.add(latency: latency) }
        }
    }

    /// Ends the display; a bar is wiped so the summary starts on a clean line.
    func stop() {
        task.withLock { $0?.cancel() }
        if drewBar.load(ordering: .relaxed) { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    private func show(_ style: Style, total: Int?, duration: Double?, interval: Double) async {
        let started = ContinuousClock.now
        var last = (at: started, counts: Counts())
        // A bar appears only once a send takes a moment, so quick sends do not flash one.
        let step: Duration = style == .bar ? .milliseconds(250) : .milliseconds(Int64(interval * 1000))
        var next = started + (style == .bar ? .milliseconds(500) : step)
        while !Task.isCancelled {
            do { try await Task.sleep(until: next, clock: .continuous) } catch { return }
            next += step
            let now = ContinuousClock.now
            let current = counts.withLock { $0 }
            let elapsed = (now - started).inMilliseconds / 1000
            switch style {
            case .bar:
                let line = Self.bar(current, elapsed: elapsed, total: total, duration: duration)
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
                drewBar.store(true, ordering: .relaxed)
            case .lines:
                let seconds = (now - last.at).inMilliseconds / 1000
                Output.error(Self.line(current, since: last.counts, seconds: seconds, elapsed: elapsed))
                last = (now, current)
            }
        }
    }

    /// `progress 10.0s: sent 20000, delivered 19950, failed 0, unknown 0; 2000 records/s, 0.19 MB/s, latency avg 1.20 ms, max 9.80 ms (last 5.0s)`
    private static func line(_ counts: Counts, since previous: Counts, seconds: Double, elapsed: Double) -> String {
        let answered = counts.latencyCount - previous.latencyCount
        let average = answered > 0 ? (counts.latencySum - previous.latencySum) / Double(answered) : 0
        let rate = seconds > 0 ? Double(counts.sent - previous.sent) / seconds : 0
        let megabytes = seconds > 0 ? Double(counts.bytes - previous.bytes) / 1_048_576 / seconds : 0
        return String(format: "progress %.1fs: sent %d, delivered %d, failed %d, unknown %d; %.0f records/s, %.2f MB/s, latency avg %.2f ms, max %.2f ms (last %.1fs)",
                      elapsed, counts.sent, counts.delivered, counts.failed, counts.unknown, rate, megabytes, average, counts.latencyMax, seconds)
    }

    /// `[########............]  41%  4100/10000  2050 rec/s  failed 0  unknown 0  2.0s`
    private static func bar(_ counts: Counts, elapsed: Double, total: Int?, duration: Double?) -> String {
        let answered = counts.delivered + counts.failed + counts.unknown
        var fraction: Double?
        if let total, total > 0 { fraction = Double(answered) / Double(total) }
        if let duration, duration > 0 { fraction = max(fraction ?? 0, min(1, elapsed / duration)) }
        let rate = elapsed > 0 ? Double(answered) / elapsed : 0
        var text = ""
        if let fraction {
            let width = 24, filled = Int((min(1, fraction) * Double(width)).rounded(.down))
            text += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            text += String(format: "%3.0f%%  ", min(1, fraction) * 100)
        }
        text += total.map { "\(answered)/\($0)" } ?? "\(answered) answered"
        text += String(format: "  %.0f rec/s  failed %d  unknown %d  %.1fs", rate, counts.failed, counts.unknown, elapsed)
        return text
    }
}
