import IngestCore

/// The connection doctor on an open session: built in one place for `ingest doctor` and the
/// console's Doctor view, so both run the same checks.
extension Session {
    static let profileCheckName = "profile and secrets"

    /// The first check, before the doctor's own: the profile loaded and its secrets resolved.
    /// The API key shows as its reference and mask, never its value.
    var profileCheck: DoctorCheck {
        DoctorCheck(name: Self.profileCheckName, status: .pass,
                    detail: "\(profile.name) (\(profile.environment.rawValue)), api_key \(Profiles.describe(profile.apiKey, what: "api_key"))")
    }

    /// The first check when the profile could not be loaded or a secret could not be resolved.
    static func profileCheck(failure error: any Error) -> DoctorCheck {
        DoctorCheck(name: profileCheckName, status: .fail, detail: "\(error)",
                    advice: "fix the profile or set the secret it refers to")
    }

    /// The doctor for this session. The Kafka checks run when the profile has a Kafka password
    /// (the embedded sandbox always has one); `topic` is a full topic name.
    func doctor(topic: String?) -> Doctor {
        let hasPassword = kafkaPassword != nil || profile.kafka.password != nil
        var target: (@Sendable (RestClient.Discovery) async throws -> NativeSender.Target)?
        if hasPassword {
            target = { @Sendable _ in try await self.nativeTarget() }
        }
        return Doctor(client: client, kafkaTarget: target, topic: topic)
    }
}
