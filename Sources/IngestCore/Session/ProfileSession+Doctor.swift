/// The connection doctor on an open session: built in one place for `ingest doctor` and the
/// console's Doctor view, so both run the same checks.
extension ProfileSession {
    /// The first check, before the doctor's own: the profile loaded and its secrets resolved.
    /// The API key shows as its reference and mask, never its value.
    public var profileCheck: DoctorCheck {
        DoctorCheck(.profile, status: .pass,
                    detail: "\(profile.name) (\(profile.environment.rawValue)), api_key \(profile.apiKey.describe(what: "api_key"))")
    }

    /// The first check when the profile could not be loaded or a secret could not be resolved.
    public static func profileCheck(failure error: any Error) -> DoctorCheck {
        DoctorCheck(.profile, status: .fail, detail: SecretScrubber.scrub("\(error)"), advice: "fix the profile or set the secret it refers to")
    }

    /// The doctor for this session. The Kafka checks run when the profile has a Kafka password
    /// (the embedded sandbox always has one); `topic` is a full topic name.
    public func doctor(topic: String?) -> Doctor {
        let target: (@Sendable (Discovery) async throws -> NativeSender.Target)? = hasKafkaPassword ? { @Sendable _ in try await self.nativeTarget() } : nil
        return Doctor(client: client, kafkaTarget: target, topic: topic)
    }
}
