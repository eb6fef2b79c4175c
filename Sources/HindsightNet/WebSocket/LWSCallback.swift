import CLibWebSockets

/// The lws protocol callback, invoked only on the service thread.
///
/// A plain global function so Swift can pass it as a C function pointer. Per-connection
/// callbacks find their `LWSConnection` through the wsi's opaque user data; the loop's
/// `live` table keeps that object alive until `WSI_DESTROY`, so the unretained lookup is safe.
/// Context-level callbacks (`user == nil`) find the loop through the context user pointer.
func lwsProtocolCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi else { return 0 }
    switch reason {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        serviceLoop(of: wsi)?.drainCommands()
        return 0
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return connection(of: wsi)?.appendHandshakeHeaders(wsi, cursor: input, space: length) ?? 0
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        connection(of: wsi)?.didEstablish(wsi)
        return 0
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        let message = input.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) }
        connection(of: wsi)?.didFailToConnect(wsi, message: message ?? "")
        return 0
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return connection(of: wsi)?.didReceive(wsi, UnsafeRawBufferPointer(start: input, count: length)) ?? 0
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        connection(of: wsi)?.didReceivePong()
        return 0
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        connection(of: wsi)?.peerDidClose(UnsafeRawBufferPointer(start: input, count: length))
        return 0
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return connection(of: wsi)?.writeNext(wsi) ?? 0
    case LWS_CALLBACK_CLIENT_CLOSED:
        connection(of: wsi)?.didClose()
        return 0
    case LWS_CALLBACK_WSI_DESTROY:
        connection(of: wsi)?.didDestroy()
        return 0
    default:
        return 0
    }
}

private func connection(of wsi: OpaquePointer) -> LWSConnection? {
    guard let pointer = lws_get_opaque_user_data(wsi) else { return nil }
    return Unmanaged<LWSConnection>.fromOpaque(pointer).takeUnretainedValue()
}

private func serviceLoop(of wsi: OpaquePointer) -> LWSServiceLoop? {
    guard let context = lws_get_context(wsi), let pointer = lws_context_user(context) else { return nil }
    return Unmanaged<LWSServiceLoop>.fromOpaque(pointer).takeUnretainedValue()
}
