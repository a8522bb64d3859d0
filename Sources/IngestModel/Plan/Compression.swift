/// How native sends compress record batches (the profile's `[kafka] compression`, `--compression`).
public enum Compression: String, Sendable, CaseIterable, Equatable {
    case none, gzip, lz4, zstd
}
