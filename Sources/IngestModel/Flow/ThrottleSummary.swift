import Foundation

/// How often the server refused a send for its rate (429) or for the moment (503), and how
/// long sending was held back because of it, in wall-clock time.
public struct ThrottleSummary: Sendable, Equatable {
    public var times = 0
    public var waitedSeconds = 0.0

    public init(times: Int = 0, waitedSeconds: Double = 0) {
        self.times = times
        self.waitedSeconds = waitedSeconds
    }

    /// `throttled 37 times, waited 8.1 s`
    public var description: String {
        "throttled \(times) time\(times == 1 ? "" : "s"), waited \(String(format: "%.1f", waitedSeconds)) s"
    }
}
