#if canImport(Glibc)
import Glibc
#endif

/// A port on 127.0.0.1 that refuses connections and stays that way: a socket bound to it that never listens, so no
/// other test's server can take the port while this one is alive (a server started and shut down leaves its port
/// free for the next test to bind).
public final class ClosedPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws(ClosedPortError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .socket(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw .socket(errno)
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

public enum ClosedPortError: Error {
    case socket(Int32)
}
