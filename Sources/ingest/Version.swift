/// `ingest --version`. Raised with each release; scripts/install.sh prints it.
enum IngestVersion {
    static let current = "0.5.0"
}
