import IngestModel

public enum ViewID: Int, CaseIterable, Sendable {
    case compose = 1, reports, profiles, discovery, load, history, doctor

    public var title: String {
        switch self {
        case .compose: return "Compose"
        case .reports: return "Reports"
        case .profiles: return "Profiles"
        case .discovery: return "Discovery"
        case .load: return "Load"
        case .history: return "History"
        case .doctor: return "Doctor"
        }
    }
}

public enum ComposeField: Int, CaseIterable, Sendable {
    case topic, type, key, headers, partition, mode, count, rate, window, value

    public var label: String {
        switch self {
        case .topic: return "Topic"
        case .type: return "Type"
        case .key: return "Key"
        case .headers: return "Headers"
        case .partition: return "Partition"
        case .mode: return "Mode"
        case .count: return "Count"
        case .rate: return "Rate/s"
        case .window: return "Window"
        case .value: return "Value"
        }
    }

    /// Fields toggled in place rather than edited as text.
    public var isChoice: Bool { self == .type || self == .mode }
}

public struct ComposeState: Equatable, Sendable {
    public var field: ComposeField = .value
    public var editing = false
    public var topic = TextBuffer("")
    public var valueType: ValueType = .json
    public var key = TextBuffer("")
    public var headers = TextBuffer("")  // name=value; name=value
    public var partition = TextBuffer("")
    public var mode: Transport = .rest(.single)
    public var count = TextBuffer("1")
    public var rate = TextBuffer("")
    /// Empty: the stream's window adapts to the path (or the profile's `[stream] window`).
    public var window = TextBuffer("")
    public var value = TextBuffer("", multiline: true)
    /// Bumped on each edit; results of validate/preview for older revisions are dropped.
    public var revision = 0
    public var validation: TemplateCheck? = nil
    /// The revision `validation` belongs to.
    public var validatedRevision = -1
    /// Record 1 as it will be sent (templates expanded), or why it cannot be built.
    public var preview: Result<EventRecord, ServiceFailure>? = nil
    /// The first preview line shown (PgUp/PgDn scroll it).
    public var previewScroll = 0

    public init() {}

    public subscript(text field: ComposeField) -> TextBuffer? {
        get {
            switch field {
            case .topic: return topic
            case .key: return key
            case .headers: return headers
            case .partition: return partition
            case .count: return count
            case .rate: return rate
            case .window: return window
            case .value: return value
            case .type, .mode: return nil
            }
        }
        set {
            guard let v = newValue else { return }
            switch field {
            case .topic: topic = v
            case .key: key = v
            case .headers: headers = v
            case .partition: partition = v
            case .count: count = v
            case .rate: rate = v
            case .window: window = v
            case .value: value = v
            case .type, .mode: break
            }
        }
    }
}

public struct StatusLine: Equatable, Sendable {
    public var text: String
    public var role: Role
}

public enum SendPhase: Equatable, Sendable { case running, finished, stopped, failed(String) }

/// One send of this session, for the History view.
public struct SendRecord: Equatable, Sendable {
    public var id: Int
    public var request: SendRequest
    public var description: String
    public var phase: SendPhase = .running
    public var delivered = 0
    public var failed = 0
    public var unknown = 0
    public var inFlight = 0
    /// How often the server throttled this send, and how long sending waited.
    public var throttle = ThrottleSummary()
    /// How many records the send will send, when known before it starts (a count, a counted file).
    public var total: Int? = nil
    /// Its stream of events ended: every record it sent has its outcome.
    public var ended = false
    /// The journal's run of it, once known.
    public var journalRun: String? = nil
    /// Its own latencies (the session's are in `ReportStore`); only the latest sends keep the
    /// histogram, older ones their p50 and p99.
    public var latency: LatencyStats? = LatencyStats()
    public var keptPercentiles: [Double: Double] = [:]

    public func percentile(_ p: Double) -> Double? { latency?.percentile(p) ?? keptPercentiles[p] }

    /// Keeps p50 and p99 and lets the histogram go.
    public mutating func releaseHistogram() {
        guard let latency else { return }
        for p in [50.0, 99.0] { keptPercentiles[p] = latency.percentile(p) }
        self.latency = nil
    }

    public var answered: Int { delivered + failed + unknown }

    /// Records of a stopped send that were never sent, when its total is known.
    public var notSent: Int? { total.map { max(0, $0 - answered - inFlight) } }
}

public struct SendRequest: Equatable, Sendable {
    public var id: Int
    public var profile: String
    public var plan: SendPlan
    /// How many records it sends, when known before it starts (a count, a file counted by Load).
    public var records: Int? = nil
    /// Why it is sent, when the profile requires a reason (journaled with the run).
    public var reason: String? = nil

    public var topic: String { plan.topic }
}

public enum Modal: Equatable, Sendable {
    /// Production: every send shows what will go and needs the full topic typed back.
    case confirmProduction(input: TextBuffer, pending: SendRequest, error: String?)
    /// Production with `production_confirm = "typed-first"`: one record to a topic already
    /// typed back in this session asks y/N, default No.
    case confirmProductionSingle(pending: SendRequest)
    /// `q` while a send runs: stop it, wait for its records in flight, and quit?
    case confirmQuit(sendID: Int)
    /// A profile whose secrets say `prompt`: masked input, kept in memory only. `asking`
    /// holds the secrets still to ask, the one on screen first.
    case secret(profile: String, asking: [PromptedSecret], answered: PromptedSecrets, input: TextBuffer)
    /// Re-send failed/unknown records of an earlier send (by seq), asked first.
    case confirmResend(sendID: Int, seqs: [Int])
    /// The profile requires a reason for every send (`require_reason`): asked before the
    /// confirmation, journaled with the run.
    case reason(input: TextBuffer, pending: SendRequest)
    /// `confirm_idle_minutes` passed without a send through this (non-production) profile: y/N.
    case confirmIdle(pending: SendRequest, minutes: Int)
    /// The saved sends, searched as you type; Enter loads the selected one into Compose.
    case savedSends(query: TextBuffer, selection: Int)
    /// Compose (or Load's file) saved by name; `replace` once told that the name exists.
    case saveSend(name: TextBuffer, send: SavedSend, replace: Bool, error: String?)
    /// Copy the send as curl (c), kcat (k) or producer.properties (p).
    case copyAs(pending: SendRequest)
    /// A curl command (the guide's form) pasted in, to import into Compose.
    case importCurl(input: TextBuffer, error: String?)
}

public struct ReportsUI: Equatable, Sendable {
    public var follow = true
    public var problemsOnly = false
    /// Position in the visible list (all held rows, or the problem rows).
    public var selected = 0
    public var detail = false
    /// The record shown in the detail view, fetched by reference: (send, seq) and the record,
    /// nil while it is fetched or once it is no longer held.
    public var detailRecord: DetailRecord? = nil
    /// The first line of the detail shown (↑/↓, PgUp/PgDn scroll it; clamped when drawn).
    public var detailScroll = 0
}

public struct DetailRecord: Equatable, Sendable {
    public var sendID: Int
    public var seq: Int
    public var record: EventRecord?
    public var fetched: Bool
}

public enum ProbeState: Equatable, Sendable { case probing, ok(Double), failed(String) }

public struct DiscoveryState: Equatable, Sendable {
    public var loading = false
    public var result: Discovery? = nil
    public var error: String? = nil
    public var probes: [HostPort: ProbeState] = [:]
    public var copied = false
}

public struct LoadState: Equatable, Sendable {
    public var path = TextBuffer("")
    public var editing = false
    public var completions: [String] = []
    public var loading = false
    public var count: Int? = nil
    public var first: [EventTemplate] = []
    public var error: String? = nil
    public var loadedPath: String? = nil
}

public enum DoctorPhase: Equatable, Sendable {
    case idle, running, finished
    /// Left the view (or quit) before the checks ended.
    case stopped
}

/// The Doctor view: the checks of the latest run, in the order they arrived.
public struct DoctorState: Equatable, Sendable {
    /// Id of the latest run; steps of older runs are dropped.
    public var run = 0
    public var phase: DoctorPhase = .idle
    /// The profile and topic the run checks.
    public var profile: String? = nil
    public var topic: String? = nil
    public var steps: [DoctorCheck] = []
    /// Entered while a profile was being activated: runs once it is active.
    public var waiting = false

    public init(run: Int = 0, waiting: Bool = false) {
        self.run = run
        self.waiting = waiting
    }

    /// The first failed check: where the doctor stopped, and its advice.
    public var failure: DoctorCheck? { steps.first { $0.status == .fail } }
}

/// Everything the console shows, as a value.
public struct ConsoleState: Equatable, Sendable {
    public var width = 80
    public var height = 24
    public var now: Double = 0
    public var view: ViewID = .compose
    public var showHelp = false
    public var modal: Modal? = nil
    public var status: StatusLine? = nil
    /// Shown over `status` until the first key (a bad theme file, say), so it is not lost.
    public var notice: StatusLine? = nil
    public var quitting = false
    /// Quit was asked while a send ran: it was stopped, and the console waits until this time
    /// (at most) for the outcomes of its records in flight before it quits.
    public var drainingUntil: Double? = nil
    /// The latest status messages, oldest first (at most `MessageLog.capacity`).
    public var messageLog: [StatusLine] = []
    /// The overlay with the latest message in full (and the ones before it).
    public var showMessages = false

    public var requestedProfile: String
    public var profiles: [ProfileSummary] = []
    public var profilesLoaded = false
    public var profileSelection = 0
    public var active: ProfileSummary? = nil
    public var activating: String? = nil
    public var fullTopic: String? = nil
    public var topicError: String? = nil
    /// Full topics typed back in this production session: with `typed-first`, single records
    /// to them ask y/N instead.
    public var productionTypedTopics: Set<String> = []
    /// When a send through the active profile last started or ended (`confirm_idle_minutes`).
    public var lastSendAt: Double? = nil
    /// The saved sends, once listed.
    public var savedSends: SavedSendList? = nil

    public var compose = ComposeState()
    public var reports: ReportStore
    public var reportsUI = ReportsUI()
    public var sends: [SendRecord] = []
    /// Earlier sends from the journal, newest first (this session's are in `sends`).
    public var pastRuns: [PastRun] = []
    public var historyError: String? = nil
    /// A row of History: this session's sends newest first, then the journal's earlier ones.
    public var historySelection = 0
    public var nextSendID = 1
    public var discovery = DiscoveryState()
    public var load = LoadState()
    public var doctor = DoctorState()
    /// The draft being read for this profile, and Compose's revision then: a draft that comes
    /// after the operator has started typing is not put over their text.
    public var draftAwaited: DraftWait? = nil

    public init(initialProfile: String, reportCapacity: Int = 100_000) {
        requestedProfile = initialProfile
        reports = ReportStore(capacity: reportCapacity)
    }

    public var isProduction: Bool { active?.environment == .production }
    public var runningSend: SendRecord? { sends.last(where: { $0.phase == .running }) }
    public var isTooSmall: Bool { width < Layout.minWidth || height < Layout.minHeight }

    public var inFlight: Int { sends.reduce(0) { $0 + ($1.phase == .running ? $1.inFlight : 0) } }
}

public enum Layout {
    public static let minWidth = 80
    public static let minHeight = 24
}
