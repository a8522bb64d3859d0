import Foundation

extension Profile {
    /// The profile as lists show it. `baseURL` is the address in use (the embedded sandbox's).
    public func summary(baseURL: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> ProfileSummary {
        var problem: String?
        do { try checkUsable() } catch { problem = "\(error)" }
        return ProfileSummary(
            name: name, environment: self.environment, source: source, topicPrefix: topicPrefix,
            baseURL: baseURL ?? (isEmbeddedSandbox ? "embedded sandbox" : self.baseURL),
            maskedAPIKey: apiKey.describe(what: "api_key", environment: environment),
            needsPromptedSecret: apiKey == .prompt, needsPromptedKafkaPassword: kafka.password == .prompt, problem: problem,
            suggestedTopic: self.environment == .sandbox ? sandbox?.topics.first : nil, productionConfirm: productionConfirm, limits: limits)
    }
}

extension SecretReference {
    /// The reference and, when it resolves here, the masked secret: `env:KEY (••••1a2b)`.
    public func describe(what: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch self {
        case .prompt, .sandbox: return description
        case .environment, .file:
            var resolver = SecretResolver(environment: environment)
            if let secret = try? resolver.resolve(self, what: what) { return "\(self) (\(secret.masked))" }
            return "\(self) (not set)"
        }
    }
}
