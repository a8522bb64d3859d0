import IngestModel

/// Everything that can happen to the console: keys, resizes, time, and service results.
public enum Msg: Equatable, Sendable {
    case key(Key)
    /// Text the terminal delivered as one bracketed paste: it goes into a field, never runs commands.
    case paste(String)
    /// SIGINT, SIGTERM or SIGHUP: quit without asking (a running send is stopped first).
    case terminate
    case resize(width: Int, height: Int)
    case tick(now: Double)
    case profilesLoaded([ProfileSummary])
    case activated(profile: String, Result<ProfileSummary, ServiceFailure>)
    /// Record 1 of Compose's template, or why it cannot be built.
    case previewed(revision: Int, Result<EventRecord, ServiceFailure>)
    case sendEvents(id: Int, [SendEvent], now: Double)
    case sendEnded(id: Int)
    case discovered(profile: String, Result<Discovery, ServiceFailure>)
    case probed(HostPort, Result<Double, ProbeFailure>)
    case fileLoaded(path: String, Result<LoadedFile, ServiceFailure>)
    case completions(prefix: String, [String])
    case doctorStep(run: Int, DoctorCheck)
    case doctorEnded(run: Int)
    case themeProblem(String)
    /// A copy landed: what, and where (`ConsoleServices.copy`).
    case copied(what: String, to: String)
    /// The profile's draft from an earlier session, if it left one.
    case draftLoaded(profile: String, ComposeDraft?)
    /// The journal's runs, newest first (History).
    case historyLoaded(Result<[PastRun], ServiceFailure>)
    /// A send of an earlier session, read back to load into Compose.
    case pastSendLoaded(run: String, Result<LoadedSend, ServiceFailure>)
    /// The saved sends (`.loadSavedSends`).
    case savedSendsLoaded(SavedSendList)
    /// What `.saveSend` did.
    case sendSaved(name: String, Result<SaveOutcome, ServiceFailure>)
    /// The send written as commands (`.copyAs`), to copy.
    case copyRendered(CopyFormat, Result<String, ServiceFailure>)
    /// Records asked for by `.fetchRecords`.
    case recordsFetched(sendID: Int, purpose: FetchPurpose, [Int: EventRecord])
}

/// Why records of a send were fetched.
public enum FetchPurpose: Equatable, Sendable {
    case detail
    case resend
}

/// What `update` asks the runtime to do. Returned as values; tests assert on them.
public enum Effect: Equatable, Sendable {
    case loadProfiles
    case activate(profile: String, prompted: PromptedSecrets)
    case preview(revision: Int, EventTemplate)
    case send(SendRequest)
    case cancelSend(id: Int)
    case discover(profile: String)
    case probe(HostPort)
    case loadFile(path: String, limit: Int)
    case completePath(String)
    /// Copies `text` (OSC 52, and where the services can put it); `what` names it for the status.
    case copy(text: String, what: String)
    case doctor(run: Int, profile: String, topic: String?)
    case cancelDoctor(run: Int)
    case fetchRecords(sendID: Int, seqs: [Int], purpose: FetchPurpose)
    /// The profile's last draft, read back (`.draftLoaded`).
    case loadDraft(profile: String)
    /// Keeps Compose and Load's fields for the profile, for the next launch.
    case saveDraft(profile: String, ComposeDraft)
    /// The journal's runs (`.historyLoaded`).
    case loadHistory
    /// An earlier run's send, to load into Compose (`.pastSendLoaded`).
    case loadPastSend(run: String)
    /// The saved sends, listed (`.savedSendsLoaded`).
    case loadSavedSends
    case saveSend(name: String, SavedSend, replace: Bool)
    /// The send written as `ingest send --print` writes it (`.copyRendered`).
    case copyAs(CopyFormat, profile: String, plan: SendPlan)
    case quit
}
