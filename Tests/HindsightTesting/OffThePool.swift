import Foundation

/// Runs long synchronous work (decoding a 10 MB frame in a debug build takes seconds) on a thread of its own rather than
/// on Swift's cooperative pool. The pool has one thread per core: on a 2-core CI machine two such tests running at once
/// in the same process held both threads for ~17 s, and every socket test then waiting on a 10 s deadline (a fake
/// server's `hello`) failed.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 16 << 20  // the deeply nested frame recurses in the decoder
        thread.start()
    }
}
