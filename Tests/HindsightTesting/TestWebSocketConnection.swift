#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// The upgrade request a client sent: request target and headers.
public struct TestWebSocketRequest: Sendable {
    /// Path and query exactly as on the request line, e.g. `/link/?ticket=abc`.
    public let uri: String
    /// Header names and values in the order sent.
    public let headers: [(name: String, value: String)]

    init(_ head: HTTPRequestHead) {
        uri = head.uri
        headers = head.headers.map { (name: $0.name, value: $0.value) }
    }

    /// The path part of `uri`.
    public var path: String { String(uri.prefix { $0 != "?" }) }

    /// The query part of `uri` without `?`, or nil when there is none.
    public var query: String? {
        uri.firstIndex(of: "?").map { String(uri[uri.index(after: $0)...]) }
    }

    /// The first value of the header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// How a client ended its side of a `TestWebSocketConnection`.
public enum TestWebSocketClosure: Sendable, Equatable {
    /// The client sent a close frame (code nil when the frame had no payload).
    case closeFrame(code: UInt16?, reason: String)
    /// The TCP connection ended without a close frame from the client.
    case noCloseFrame
}

/// One accepted WebSocket on a `TestWebSocketServer`, driven by the test.
///
/// Streams are single-consumer and finish when the TCP connection closes. Send methods may be
/// called from any task; frames go out in call order.
public final class TestWebSocketConnection: Sendable {
    private struct State {
        var answersPings: Bool
        var sentClose = false
        var clientClose: TestWebSocketClosure?
    }

    /// The upgrade request (path, query and headers).
    public let request: TestWebSocketRequest
    /// Complete text messages from the client, fragments reassembled.
    public let messages: AsyncStream<String>
    /// Complete binary messages from the client, fragments reassembled.
    public let binaryMessages: AsyncStream<[UInt8]>
    /// Payloads of pings the client sent.
    public let pings: AsyncStream<[UInt8]>
    /// Payloads of pongs the client sent (answers to `sendPing`).
    public let pongs: AsyncStream<[UInt8]>

    let channel: any Channel
    private let state: Mutex<State>
    private let messageSink: AsyncStream<String>.Continuation
    private let binarySink: AsyncStream<[UInt8]>.Continuation
    private let pingSink: AsyncStream<[UInt8]>.Continuation
    private let pongSink: AsyncStream<[UInt8]>.Continuation

    init(channel: any Channel, request: TestWebSocketRequest, answersPings: Bool) {
        self.channel = channel
        self.request = request
        state = Mutex(State(answersPings: answersPings))
        (messages, messageSink) = AsyncStream.makeStream()
        (binaryMessages, binarySink) = AsyncStream.makeStream()
        (pings, pingSink) = AsyncStream.makeStream()
        (pongs, pongSink) = AsyncStream.makeStream()
    }

    // MARK: Driving the wire

    /// Sends one text message in a single frame.
    public func sendText(_ text: String) async throws {
        try await channel.writeAndFlush(frame(.text, fin: true, bytes: Array(text.utf8)))
    }

    /// Sends text messages, each in a single frame, in one write: many frames per TCP write, as a busy server sends.
    /// The frames are encoded here into one buffer (a server's frames are not masked) and written from the frame
    /// encoder's context, past it: one pipeline pass for the batch instead of one per frame.
    public func sendTexts(_ texts: [String]) async throws {
        guard !texts.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: texts.reduce(0) { $0 + $1.utf8.count + 10 })
        for text in texts { Self.appendFrame(opcode: .text, payload: text, to: &buffer) }
        let (channel, frames) = (self.channel, buffer)
        let written = try await channel.eventLoop.submit {
            let encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            return encoder.writeAndFlush(NIOAny(frames))
        }.get()
        try await written.get()
    }

    /// One unmasked, final frame as RFC 6455 §5.2 lays it out: FIN and opcode, the 7-bit length or 126 and 16 bits or
    /// 127 and 64 bits, then the payload.
    static func appendFrame(opcode: WebSocketOpcode, payload: String, to buffer: inout ByteBuffer) {
        let count = payload.utf8.count
        buffer.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        switch count {
        case ..<126: buffer.writeInteger(UInt8(count))
        case ..<65_536:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(count))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeString(payload)
    }

    /// Queues one text message in a single frame without waiting for it to be written. Unlike `sendText`, the
    /// frame is handed to the channel before this returns, so a caller that is an actor sends in its own order.
    public func enqueueText(_ text: String) {
        channel.writeAndFlush(frame(.text, fin: true, bytes: Array(text.utf8)), promise: nil)
    }

    /// Sends one text message as several frames of at most `fragmentSize` bytes (TEXT, CONTINUATION…, fin on the last).
    public func sendText(_ text: String, fragmentSize: Int) async throws {
        precondition(fragmentSize > 0, "fragmentSize must be positive")
        let bytes = Array(text.utf8)
        let starts = Array(stride(from: 0, to: max(bytes.count, 1), by: fragmentSize))
        for (index, start) in starts.enumerated() {
            let chunk = Array(bytes[start..<min(start + fragmentSize, bytes.count)])
            let isLast = index == starts.count - 1
            let piece = frame(index == 0 ? .text : .continuation, fin: isLast, bytes: chunk)
            if isLast {
                try await channel.writeAndFlush(piece)
            } else {
                channel.write(piece, promise: nil)
            }
        }
    }

    /// Sends one binary message in a single frame.
    public func sendBinary(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(frame(.binary, fin: true, bytes: bytes))
    }

    /// Sends a ping; the client's pong shows up on `pongs`.
    public func sendPing(_ payload: [UInt8] = Array("test-ping".utf8)) async throws {
        try await channel.writeAndFlush(frame(.ping, fin: true, bytes: payload))
    }

    /// Sends a close frame; the TCP connection closes when the client answers with its own.
    public func close(code: UInt16 = 1000, reason: String = "") async throws {
        state.withLock { $0.sentClose = true }
        try await channel.writeAndFlush(frame(.connectionClose, fin: true, bytes: closePayload(code: code, reason: reason)))
    }

    /// Closes the TCP connection with a reset and no close frame, like a crashed server or a cut cable.
    public func dropAbruptly() async {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    /// Writes the first two bytes of a frame header (promising a 16-bit length that never comes),
    /// then stays silent: no more frames and no pongs.
    public func stallMidFrame() async throws {
        stopAnsweringPings()
        let channel = self.channel
        try await channel.eventLoop.submit {
            // Writing from the encoder's context skips the encoder: these bytes go out raw.
            let encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            encoder.writeAndFlush(NIOAny(ByteBuffer(bytes: [0x81, 0x7E])), promise: nil)
        }.get()
    }

    /// Stops answering the client's pings (they still show up on `pings`).
    public func stopAnsweringPings() {
        state.withLock { $0.answersPings = false }
    }

    /// Waits for the TCP connection to close and tells whether the client sent a close frame.
    public func waitUntilClosed() async -> TestWebSocketClosure {
        try? await channel.closeFuture.get()
        return state.withLock { $0.clientClose } ?? .noCloseFrame
    }

    // MARK: Called by TestWebSocketFrameHandler on the event loop

    var answersPings: Bool { state.withLock { $0.answersPings } }

    func received(text: String) { messageSink.yield(text) }
    func received(binary: [UInt8]) { binarySink.yield(binary) }
    func received(ping payload: [UInt8]) { pingSink.yield(payload) }
    func received(pong payload: [UInt8]) { pongSink.yield(payload) }

    /// Records the client's close frame; returns true when the server had sent its close first.
    func receivedClose(code: UInt16?, reason: String) -> Bool {
        state.withLock { state in
            if state.clientClose == nil { state.clientClose = .closeFrame(code: code, reason: reason) }
            return state.sentClose
        }
    }

    func channelDidClose() {
        messageSink.finish()
        binarySink.finish()
        pingSink.finish()
        pongSink.finish()
    }

    func frame(_ opcode: WebSocketOpcode, fin: Bool, bytes: [UInt8]) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: opcode, data: channel.allocator.buffer(bytes: bytes))
    }

    func closePayload(code: UInt16?, reason: String) -> [UInt8] {
        guard let code else { return [] }
        return [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
    }
}
