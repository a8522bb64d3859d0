import NIOCore

/// Runs a task's jobs on one NIO event loop: a request-response send that prefers it does its
/// work on the thread its connection lives on, as curl does everything on one thread, instead
/// of handing each request and each answer between the task pool and the event loop (two
/// thread wake-ups per request, most of the gap to curl's single-send latency on loopback).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
