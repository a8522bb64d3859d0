public enum IngestCoreVersion { public static let string = "0.1.0" }
