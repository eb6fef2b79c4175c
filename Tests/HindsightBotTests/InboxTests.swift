import HindsightBot
import HindsightTesting
import Synchronization
import Testing

@Suite("Inbox")
struct InboxTests {
    /// What the slow consumer of the first test is allowed to do, and what it took.
    final class Consumer: Sendable {
        private let permits = Mutex(0)
        private let values = Mutex<[Int]>([])

        /// Lets the consumer store one more batch.
        func permit() { permits.withLock { $0 += 1 } }

        /// Waits for a permit, then keeps the batch.
        func store(_ batch: [Int]) async {
            while !permits.withLock({ permits in
                guard permits > 0 else { return false }
                permits -= 1
                return true
            }) {
                try? await Task.sleep(for: .milliseconds(2))
            }
            values.withLock { $0 += batch }
        }

        var taken: [Int] { values.withLock { $0 } }
    }

    @Test("a producer that waits for room is held back while the consumer is behind, and let go as it catches up")
    func waitForRoomHoldsTheProducerBack() async throws {
        let inbox = Inbox<Int>(capacity: 4)
        let slow = Consumer()
        let consumer = Task {
            await inbox.drain(limit: 2) { batch in
                await slow.store(batch)
                return true
            }
        }
        let producer = Task {
            for value in 0..<20 {
                inbox.append(value)
                await inbox.waitForRoom()
            }
        }
        // The consumer is stuck on its first batch: the producer stops once 4 wait.
        try await eventually("the producer to fill the inbox") { inbox.waitingCount == 4 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(inbox.waitingCount == 4)
        var mostWaiting = 0, rounds = 0
        while slow.taken.count < 20, rounds < 500 {
            rounds += 1
            mostWaiting = max(mostWaiting, inbox.waitingCount)
            slow.permit()
            try await Task.sleep(for: .milliseconds(10))
        }
        try await withDeadline(waitingFor: "the producer to finish") { await producer.value }
        #expect(slow.taken == Array(0..<20))
        #expect(mostWaiting <= 4)
        inbox.finish()
        await consumer.value
    }

    @Test("a producer waiting for room is let go when the consumer stops, so nothing hangs at shutdown")
    func consumerGoneReleasesProducers() async throws {
        let inbox = Inbox<Int>(capacity: 1)
        let consumer = Task { await inbox.drain { _ in false } }  // takes one batch, then stops for good
        inbox.append(1)
        await consumer.value
        inbox.append(2)
        inbox.append(3)
        try await withDeadline(waitingFor: "waitForRoom to return with no consumer") { await inbox.waitForRoom() }
    }
}
