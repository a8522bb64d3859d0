import IngestModel

// The boundary between the console and the ingestion core, in the model's own types. The
// console defines it; the core is adapted to it (IngestTUI never imports IngestCore). Pure
// rules (topic names, template checks, previews) are called from the model directly.

/// What a running send tells the console.
public enum SendEvent: Sendable, Equatable {
    /// Outcomes, each exactly once, as they arrived together; `sent` is how many records of
    /// the send have been sent so far (those not yet answered are in flight).
    case reports([DeliveryReport], sent: Int)
    /// The server throttled the send again (429, 503): the totals so far.
    case throttled(ThrottleSummary)
    /// The send ended: the counts of the whole send and why it stopped early, if it did.
    case finished(delivered: Int, failed: Int, unknown: Int, stopReason: String?)
    /// The send could not start (profile, secrets, connection): nothing was sent.
    case refused(String)
    /// The send is journaled as this run (History lists it once, and loads it back by it).
    case journaled(run: String)
}

/// The first records of a file and how many there are (the Load view).
public struct LoadedFile: Equatable, Sendable {
    public var count: Int
    public var first: [EventTemplate]
    public init(count: Int, first: [EventTemplate]) {
        self.count = count
        self.first = first
    }
}

/// A failure from a service, as the message shown to the operator.
public struct ServiceFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public protocol ConsoleServices: Sendable {
    func profiles() async -> [ProfileSummary]
    /// Opens the profile's session, or opens it again with new prompted secrets (a mistyped
    /// one is replaced, with its connections). Errors are user-facing messages.
    func activate(profile: String, prompted: PromptedSecrets) async throws -> ProfileSummary
    func loadFile(path: String, limit: Int) async throws -> LoadedFile
    func completePath(_ prefix: String) -> [String]
    func discover(profile: String) async throws -> Discovery
    /// TCP connect time in milliseconds.
    func probe(_ broker: HostPort) async -> Result<Double, ProbeFailure>
    /// Runs `plan` through the profile's session. `id` names the send for `records` and `stop`;
    /// `reason` (asked when the profile has `require_reason`) is journaled with the run.
    /// Cancelling the consuming task stops the send too, without waiting for its outcomes.
    func send(id: Int, profile: String, plan: SendPlan, reason: String?) -> AsyncStream<SendEvent>
    /// Stops send `id`: no more records are read; those in flight still get their outcomes,
    /// which the send's stream delivers before it ends.
    func stop(send id: Int)
    /// Records of a send still held (the latest ones, and the failed and unknown ones up to a
    /// bound), by seq: for the record detail and for re-sends. Missing ones are not returned.
    func records(send: Int, seqs: [Int]) async -> [Int: EventRecord]
    /// The connection doctor on the profile's session, each check as it completes; stops at the
    /// first failure (the rest come as `skip`). `topic` (full name) is checked when given.
    /// Cancelling the consuming task stops the checks.
    func doctor(profile: String, topic: String?) -> AsyncStream<DoctorCheck>
    /// Puts text where it can be pasted from when the terminal ignores OSC 52 (the tmux
    /// buffer, wl-copy / xclip, or a file) and says where, for the status line.
    func copy(_ text: String) async -> String
    /// The draft a profile left (Compose's fields and Load's path), if any. Quick: a small file.
    func draft(profile: String) -> ComposeDraft?
    /// Keeps a profile's draft for the next launch (done before the call returns: quitting
    /// follows it at once).
    func saveDraft(_ draft: ComposeDraft, profile: String)
    /// The journal's runs, newest first, at most `limit` (every profile; this session's too).
    func history(limit: Int) async throws -> [PastRun]
    /// An earlier run's send as Compose's fields: the template a console send was made of, a
    /// file's path, or record 1 as journaled (with `journal_values`); `note` says what is
    /// missing (only a digest journaled, say).
    func pastSend(run: String) async throws -> LoadedSend
    /// The saved sends (the files `ingest send --saved NAME` reads), each usable or with what
    /// is wrong with it.
    func savedSends() async -> SavedSendList
    /// Writes `send` as NAME.toml among the saved sends; one of that name only when `replace`.
    func saveSend(_ send: SavedSend, name: String, replace: Bool) async throws -> SaveOutcome
    /// The send as `ingest send --print FORMAT` writes it, through the profile's session
    /// (nothing is sent).
    func copyAs(_ format: CopyFormat, profile: String, plan: SendPlan) async throws -> String
}
