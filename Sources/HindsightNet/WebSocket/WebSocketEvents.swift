/// A connection's incoming events (`WebSocketConnection.events`): each message taken makes room for another to be
/// read off the socket (`WebSocketConnection.Configuration.readAhead`).
public struct WebSocketEvents: AsyncSequence, Sendable {
    public typealias Element = WebSocketEvent
    public typealias Failure = Never

    let core: LWSConnection

    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: AsyncStream<WebSocketEvent>.AsyncIterator
        let core: LWSConnection

        public mutating func next() async -> WebSocketEvent? {
            await next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Never) -> WebSocketEvent? {
            let event = await events.next(isolation: actor)
            switch event {
            case .text, .binary: core.messageTaken()
            case .closed, nil: break
            }
            return event
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: core.events.makeAsyncIterator(), core: core)
    }
}
