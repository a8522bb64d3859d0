import Foundation

/// Counts per second over the last `capacity` seconds, fed with the time of each message.
public struct RateMeter: Equatable, Sendable {
    public let capacity: Int
    public private(set) var seconds: [Int]
    public private(set) var currentSecond: Int?

    public init(capacity: Int = 60) {
        self.capacity = capacity
        seconds = [Int](repeating: 0, count: capacity)
    }

    /// Moves the clock to `now` (seconds), zeroing the seconds skipped.
    public mutating func advance(to now: Double) {
        let s = Int(now.rounded(.down))
        guard let cur = currentSecond else { currentSecond = s; return }
        guard s > cur else { return }
        let steps = min(capacity, s - cur)
        for k in 1...steps { seconds[(cur + k) % capacity] = 0 }
        currentSecond = s
    }

    public mutating func add(_ n: Int, at now: Double) {
        advance(to: now)
        seconds[(currentSecond ?? 0) % capacity] += n
    }

    /// The last completed second's count.
    public var perSecond: Int {
        guard let cur = currentSecond else { return 0 }
        return seconds[((cur - 1) % capacity + capacity) % capacity]
    }

    /// The last `n` completed seconds, oldest first.
    public func history(_ n: Int) -> [Int] {
        guard let cur = currentSecond else { return [] }
        let k = min(n, capacity - 1)
        return (1...max(1, k)).reversed().map { seconds[((cur - $0) % capacity + capacity) % capacity] }
    }
}

public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    public static func render(_ values: [Int]) -> String {
        let top = values.max() ?? 0
        return String(values.map { v in
            top == 0 ? bars[0] : bars[min(7, v * 7 / top)]
        })
    }
}
