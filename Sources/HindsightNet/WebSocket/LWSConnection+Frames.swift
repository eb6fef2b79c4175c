import CLibWebSockets
import Foundation

/// Reading and writing frames (service thread only).
extension LWSConnection {
    /// Adds the caller's headers to the upgrade request; `cursor` is lws's `char **p`.
    func appendHandshakeHeaders(_ wsi: OpaquePointer, cursor: UnsafeMutableRawPointer?, space: Int) -> Int32 {
        guard let cursor, !headers.isEmpty else { return 0 }
        let position = cursor.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
        guard let start = position.pointee else { return -1 }
        let end = start + space
        for (name, value) in headers {
            let added = Array("\(name):".utf8CString).withUnsafeBufferPointer { namePointer in
                Array(value.utf8).withUnsafeBufferPointer { valuePointer in
                    lws_add_http_header_by_name(
                        wsi,
                        UnsafeRawPointer(namePointer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                        valuePointer.baseAddress, Int32(valuePointer.count), position, end
                    )
                }
            }
            if added != 0 {
                abortError = .invalidHeader(name: name)
                logger.error("websocket handshake headers do not fit in the lws buffer", metadata: ["header": "\(name)"])
                return -1
            }
        }
        return 0
    }

    /// Collects one chunk of a message; a message is complete on the last chunk of its final frame.
    func didReceive(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard stage == .established else { return 0 }
        keepAlive.recordActivity(at: .now)
        if lws_is_first_fragment(wsi) != 0 {
            message.removeAll(keepingCapacity: message.capacity <= 1 << 16)
            messageIsBinary = lws_frame_is_binary(wsi) != 0
        }
        guard message.count + chunk.count <= configuration.maxMessageSize else {
            logger.warning("websocket message too large", metadata: ["limit": "\(configuration.maxMessageSize)"])
            var reason = Array("message too large".utf8)
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, &reason, reason.count)
            if terminalReason == nil { terminalReason = .messageTooLarge }
            finish(.messageTooLarge)
            return -1
        }
        message.append(contentsOf: chunk)
        if lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 {
            if messageIsBinary {
                eventSink.yield(.binary(Data(message)))
            } else {
                eventSink.yield(.text(String(decoding: message, as: UTF8.self)))
            }
            message.removeAll(keepingCapacity: message.capacity <= 1 << 16)
            if readAhead.added() >= configuration.readAhead, !readingPaused {
                // What lws has read past this message stays in its buffer until reading resumes.
                readingPaused = true
                lws_rx_flow_control(wsi, 0)
            }
        }
        return 0
    }

    /// The consumer took a message (any thread): once it has taken all but a quarter of `readAhead`, reading resumes.
    func messageTaken() {
        if readAhead.taken() == configuration.readAhead / 4 { loop.submit(.resumeReading(self)) }
    }

    /// Reads the socket again; runs when the loop drains a `.resumeReading` command.
    func resumeReading() {
        guard readingPaused, stage == .established, let wsi else { return }
        readingPaused = false
        keepAlive.recordActivity(at: .now)  // the server's pongs waited behind the messages
        lws_rx_flow_control(wsi, 1)
    }

    func didReceivePong() {
        keepAlive.recordActivity(at: .now)
    }

    /// Records the peer's close code (1005 when it sent none) and reason; lws then echoes the close.
    func peerDidClose(_ payload: UnsafeRawBufferPointer) {
        keepAlive.recordActivity(at: .now)
        guard terminalReason == nil else { return }
        if payload.count >= 2 {
            let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            let reason = String(decoding: payload.dropFirst(2), as: UTF8.self)
            terminalReason = .closedByPeer(code: code, reason: reason)
        } else {
            terminalReason = .closedByPeer(code: 1005, reason: "")
        }
    }

    /// Asks lws for a writable callback; runs when the loop drains a `.wake` command.
    func armWritable() {
        guard stage == .established, let wsi else { return }
        lws_callback_on_writable(wsi)
    }

    /// Writes what waits, pings first. After a ping, one frame per writable callback; after a text frame the next one
    /// goes out in the same callback, up to `framesPerWritable`, while lws holds back none of the last one
    /// (`lws_partial_buffered`: no write goes out behind a partly sent frame; its author's advice for a single
    /// connection, warmcat/libwebsockets#852). A burst of acknowledgements then costs one turn of
    /// the service loop, not one each, and no writable callback is armed once nothing waits.
    func writeNext(_ wsi: OpaquePointer) -> Int32 {
        guard stage == .established else { return 0 }
        if pingPending {
            pingPending = false
            guard write(wsi, [], as: LWS_WRITE_PING) else { return -1 }
            if outbox.withLock({ $0.hasPendingWrites }) { lws_callback_on_writable(wsi) }
            return 0
        }
        for _ in 0..<Self.framesPerWritable {
            guard let (item, more) = outbox.withLock({ $0.next() }) else { return 0 }
            switch item {
            case .text(let text):
                guard write(wsi, text.utf8, as: LWS_WRITE_TEXT) else { return -1 }
                guard more else { return 0 }
                if lws_partial_buffered(wsi) != 0 {
                    lws_callback_on_writable(wsi)
                    return 0
                }
            case .close(let code, let reason):
                if terminalReason == nil { terminalReason = .closedLocally }
                var payload = Array(reason.utf8)
                lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), &payload, payload.count)
                return -1
            }
        }
        lws_callback_on_writable(wsi)
        return 0
    }

    /// The most text frames written in one writable callback: the rest wait for the next turn of the service loop,
    /// where a keep-alive ping or the socket's reads get their turn too.
    static let framesPerWritable = 32

    /// Copies the payload behind `CLWS_PRE` bytes of headroom and writes it as one frame.
    private func write(_ wsi: OpaquePointer, _ payload: some Collection<UInt8>, as kind: lws_write_protocol) -> Bool {
        let needed = CLWS_PRE + payload.count
        if writeBuffer.count < needed {
            writeBuffer.deallocate()
            writeBuffer = .allocate(byteCount: max(needed, 4096), alignment: 16)
        }
        let body = UnsafeMutableRawBufferPointer(rebasing: writeBuffer[CLWS_PRE..<needed])
        body.copyBytes(from: payload)
        let start = writeBuffer.baseAddress!.advanced(by: CLWS_PRE).assumingMemoryBound(to: UInt8.self)
        let written = lws_write(wsi, start, payload.count, kind)
        if written < payload.count {
            logger.warning("websocket write failed", metadata: ["bytes": "\(payload.count)"])
            return false
        }
        return true
    }
}
