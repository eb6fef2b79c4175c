/// A wait in a test that took longer than its deadline.
public struct TestDeadlineExceeded: Error, CustomStringConvertible {
    /// What the test was waiting for.
    public let waitingFor: String
    /// How long it waited.
    public let deadline: Duration

    /// Says what was awaited and for how long.
    public var description: String { "gave up waiting for \(waitingFor) after \(deadline)" }
}

/// Runs `body`, failing with `TestDeadlineExceeded` if it has not finished within `deadline`.
///
/// Tests wait on events with this instead of sleeping; the deadline only bounds a failing test.
public func withDeadline<T: Sendable>(
    _ deadline: Duration = .seconds(5),
    waitingFor: String = "the operation",
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: deadline)
            throw TestDeadlineExceeded(waitingFor: waitingFor, deadline: deadline)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Waits until `condition` holds, checking after each short pause, failing after `deadline`.
public func eventually(
    _ what: String, within deadline: Duration = .seconds(10), _ condition: @Sendable @escaping () async throws -> Bool
) async throws {
    try await withDeadline(deadline, waitingFor: what) {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// The next element of `stream` (nil once it finished), waiting at most `deadline`: an `AsyncStream`, a connection's
/// `WebSocketEvents`.
///
/// A timeout cancels the wait, which finishes the stream: use it for the failure path only.
public func nextElement<Stream: AsyncSequence & Sendable>(
    of stream: Stream,
    within deadline: Duration = .seconds(5),
    waitingFor: String = "the next element"
) async throws -> Stream.Element? where Stream.Element: Sendable, Stream.Failure == Never {
    try await withDeadline(deadline, waitingFor: waitingFor) {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next(isolation: nil)
    }
}

