import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Turns client frames into `TestWebSocketConnection` events; runs on the channel's event loop.
final class TestWebSocketFrameHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connection: TestWebSocketConnection
    private var fragments: [UInt8] = []
    private var fragmentOpcode: WebSocketOpcode?

    init(connection: TestWebSocketConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var payload = frame.unmaskedData
        let bytes = payload.readBytes(length: payload.readableBytes) ?? []
        switch frame.opcode {
        case .text, .binary:
            fragmentOpcode = frame.opcode
            fragments = bytes
            if frame.fin { deliverMessage() }
        case .continuation:
            fragments += bytes
            if frame.fin { deliverMessage() }
        case .ping:
            connection.received(ping: bytes)
            if connection.answersPings {
                context.writeAndFlush(wrapOutboundOut(connection.frame(.pong, fin: true, bytes: bytes)), promise: nil)
            }
        case .pong:
            connection.received(pong: bytes)
        case .connectionClose:
            let code = bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : nil
            let reason = String(decoding: bytes.dropFirst(2), as: UTF8.self)
            let serverClosedFirst = connection.receivedClose(code: code, reason: reason)
            if serverClosedFirst {
                context.close(promise: nil)
            } else {
                let channel = context.channel
                let reply = connection.frame(.connectionClose, fin: true, bytes: connection.closePayload(code: code, reason: ""))
                context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.channelDidClose()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connection.channelDidClose()
    }

    private func deliverMessage() {
        if fragmentOpcode == .binary {
            connection.received(binary: fragments)
        } else {
            connection.received(text: String(decoding: fragments, as: UTF8.self))
        }
        fragments = []
        fragmentOpcode = nil
    }
}

/// Answers HTTP requests that were not upgraded (all of them when the server rejects upgrades).
final class TestWebSocketHTTPFallbackHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: HTTPResponseStatus
    private let onReject: @Sendable (TestWebSocketRequest) -> Void

    init(status: HTTPResponseStatus, onReject: @escaping @Sendable (TestWebSocketRequest) -> Void) {
        self.status = status
        self.onReject = onReject
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            onReject(TestWebSocketRequest(head))
        case .body:
            break
        case .end:
            let head = HTTPResponseHead(
                version: .http1_1, status: status,
                headers: ["content-length": "0", "connection": "close"]
            )
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// The upgrader reports a refused upgrade as an error before passing the request on: expected here.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketUpgradeError { return }
        context.fireErrorCaught(error)
    }
}
