/// Profiles built into the binary, so a copy installed anywhere works offline at once.
/// `profiles/local.toml` holds the same text (a test keeps the two equal).
public enum BuiltInProfiles {
    public static let local = """
        # The offline sandbox: an embedded REST Proxy v3 stand-in started by ingest itself.
        # Safe to use anywhere; nothing leaves this machine.
        name = "local"
        environment = "sandbox"
        client_id = ""
        rest_url = "embedded"            # or http://127.0.0.1:PORT/v3 for a standalone `ingest sandbox`
        topic_prefix = "ing-staging-"
        api_key = "sandbox"              # the embedded sandbox's own key, made when it starts
        batch_max_entries = 10
        tls_min_version = "1.2"

        [kafka]
        username = "producer"
        password = "sandbox"
        bootstrap = "discover"
        ca_file = ""

        [sandbox]
        topics = ["events", "players", "transactions"]
        partitions = 3
        """

    /// Name -> TOML text.
    public static let all: [String: String] = ["local": local + "\n"]
}
