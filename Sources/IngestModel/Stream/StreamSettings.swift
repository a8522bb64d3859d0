/// How a stream is cut into requests, so that an API gateway that buffers request bodies or
/// caps their size and duration still lets reports through.
public struct StreamSettings: Sendable, Equatable {
    /// Unanswered records allowed; nil lets the window adapt to the path (`AdaptiveWindow`).
    public var window: Int?
    /// The adaptive window's cap, in bytes of records unanswered (kept to send again if refused).
    public var maximumInFlightBytes = 64 * 1024 * 1024
    public var segmentRecords = 10_000
    public var segmentBytes = 8 * 1024 * 1024
    public var segmentSeconds = 25.0
    public var stallSeconds = 2.0
    public init() {}
}
