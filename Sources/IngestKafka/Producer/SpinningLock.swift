#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// A value behind a lock that spins a little before it sleeps, for critical sections of a few
/// nanoseconds taken by busy threads (the record accumulator's, taken once per record): a
/// plain mutex puts the loser to sleep in the kernel and wakes it with a system call, which
/// costs far more than the wait. glibc's adaptive mutex on Linux; NIOLock elsewhere.
final class SpinningLockedBox<Value>: @unchecked Sendable {
    #if canImport(Glibc)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    #else
    private let lock = NIOLock()
    #endif
    /// Behind a pointer, not a stored property: a class's stored property passed inout is
    /// checked for exclusive access at run time, on every lock.
    private let value: UnsafeMutablePointer<Value>

    init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        #if canImport(Glibc)
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        let result = pthread_mutex_init(mutex, &attributes)
        precondition(result == 0, "pthread_mutex_init failed: \(result)")
        pthread_mutexattr_destroy(&attributes)
        #endif
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        #if canImport(Glibc)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        #endif
    }

    func withLockedValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        #if canImport(Glibc)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
        #else
        return try lock.withLock { try body(&value.pointee) }
        #endif
    }
}
