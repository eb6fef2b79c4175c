import CLibWebSockets
import Foundation
import Logging
import Synchronization

/// Routes libwebsockets' process-wide log output into swift-log.
///
/// lws 4.1 has one log sink per process, not per context, so lines go to the logger of the
/// most recently started `WebSocketClient`. The level mask is set once, before the first
/// `lws_create_context`, as lws requires.
enum LWSLogBridge {
    private static let sink = Mutex<Logger?>(nil)

    private static let installed: Void = {
        lws_set_log_level(Int32(LLL_ERR | LLL_WARN | LLL_NOTICE), lwsEmitLogLine)
    }()

    /// Makes `logger` the destination of lws log lines and installs the bridge on first use.
    static func attach(_ logger: Logger) {
        sink.withLock { $0 = logger }
        _ = installed
    }

    fileprivate static func emit(level: Int32, line: String) {
        guard let logger = sink.withLock({ $0 }) else { return }
        let message = Logger.Message(stringLiteral: line)
        if level & Int32(LLL_ERR) != 0 {
            logger.error(message, metadata: ["source": "libwebsockets"])
        } else if level & Int32(LLL_WARN) != 0 {
            logger.warning(message, metadata: ["source": "libwebsockets"])
        } else {
            logger.debug(message, metadata: ["source": "libwebsockets"])
        }
    }
}

/// The C log callback: a plain global function so Swift can pass it as a C function pointer.
private func lwsEmitLogLine(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    let text = String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return }
    LWSLogBridge.emit(level: level, line: text)
}
