import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connect, timed: whether a host answers at all (IP whitelisting shows here).
public enum ConnectProbe {
    /// Milliseconds to connect, or why it failed, told apart by the error's type.
    public static func connect(host: String, port: Int, timeoutSeconds: Int) async -> Result<Double, ProbeFailure> {
        let started = ContinuousClock.now
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(timeoutSeconds)))
                .connect(host: host, port: port).get()
            let elapsed = (ContinuousClock.now - started).inMilliseconds
            try? await channel.close()
            return .success(elapsed)
        } catch {
            return .failure(classify(error, timeoutSeconds: timeoutSeconds))
        }
    }

    static func classify(_ error: any Error, timeoutSeconds: Int) -> ProbeFailure {
        if case ChannelError.connectTimeout = error { return .timedOut(seconds: timeoutSeconds) }
        if let io = error as? IOError { return classify(errno: io.errnoCode, error: io, timeoutSeconds: timeoutSeconds) }
        if let connection = error as? NIOConnectionError {
            // Every address failed: the first one's error says why.
            if let first = connection.connectionErrors.first { return classify(first.error, timeoutSeconds: timeoutSeconds) }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil { return .other("the name does not resolve") }
        }
        return .other(RestErrorText.scrub(String(describing: error)))
    }

    static func classify(errno code: Int32, error: IOError, timeoutSeconds: Int) -> ProbeFailure {
        switch code {
        case ECONNREFUSED: return .refused
        case ETIMEDOUT: return .timedOut(seconds: timeoutSeconds)
        default: return .other(String(describing: error))
        }
    }
}

extension ProbeFailure {
    /// Without the whitelisting hint, for lines that add their own advice.
    var shortDescription: String {
        switch self {
        case .timedOut(let seconds): "no answer in \(seconds) s"
        default: description
        }
    }
}
