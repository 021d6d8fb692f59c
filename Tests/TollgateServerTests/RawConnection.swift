import Foundation
#if canImport(Glibc)
import Glibc

private let noSignal = Int32(MSG_NOSIGNAL)
private func systemSocket() -> Int32 { Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
#elseif canImport(Darwin)
import Darwin

private let noSignal: Int32 = 0
private func systemSocket() -> Int32 { Darwin.socket(AF_INET, SOCK_STREAM, 0) }
#endif

private func systemClose(_ socket: Int32) -> Int32 { close(socket) }
private func systemBind(_ socket: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { bind(socket, address, length) }
private func systemConnect(_ socket: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { connect(socket, address, length) }
private func systemSend(_ socket: Int32, _ bytes: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { send(socket, bytes, count, flags) }
private func systemRead(_ socket: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(socket, buffer, count) }

/// A plain TCP connection to a test server, to send requests byte by byte, half of them, or
/// none, as a slow or hostile client would. Blocking, with every wait bounded.
final class RawConnection {
    private let socket: Int32
    private var isOpen = true

    /// Connects from `source` (a loopback address: `127.0.0.2` is another client than
    /// `127.0.0.1` on Linux) to `127.0.0.1:port`.
    init(port: Int, from source: String = "127.0.0.1") throws {
        socket = systemSocket()
        guard socket >= 0 else { throw Failure("socket() failed: errno \(errno)") }
        #if canImport(Darwin)
        var on: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        do {
            try bind(to: source)
            try connect(to: port)
        } catch {
            _ = systemClose(socket)
            throw error
        }
    }

    deinit {
        if isOpen { _ = systemClose(socket) }
    }

    /// Closes the connection from this side: with a FIN, or, when `reset`, with an RST (as a
    /// client that crashes or loses its network does, roughly).
    func close(reset: Bool) {
        guard isOpen else { return }
        if reset {
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        }
        isOpen = false
        _ = systemClose(socket)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends `text` (all of it); throws when the server closed the connection.
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { systemSend(socket, $0.baseAddress, $0.count, noSignal) }
            guard count > 0 else { throw Failure("write() failed: errno \(errno)") }
            sent += count
        }
    }

    /// Whether the server closed the connection within `seconds` (reading and dropping
    /// whatever it sent first).
    func closedByServer(within seconds: Double) -> Bool {
        read(within: seconds).closed
    }

    /// Everything the server sends until it closes the connection, within `seconds`.
    func readUntilClosed(within seconds: Double) -> String {
        String(decoding: read(within: seconds).received, as: UTF8.self)
    }

    /// Reads until the server closes the connection or `seconds` pass.
    private func read(within seconds: Double) -> (received: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            guard ready > 0 else { continue }
            let count = systemRead(socket, &buffer, buffer.count)
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
        }
        return (received, false)
    }

    /// Whether this machine can connect from `source` (Linux answers for all of 127.0.0.0/8).
    static func canConnect(from source: String) -> Bool {
        let probe = systemSocket()
        defer { _ = systemClose(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, source, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemBind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// `GET path` with `Connection: close`; the whole response ("" when the server closed
    /// the connection without one).
    func get(_ path: String, within seconds: Double = 5) -> String {
        do {
            try send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        } catch {
            return ""
        }
        return readUntilClosed(within: seconds)
    }

    private func bind(to source: String) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        guard inet_pton(AF_INET, source, &address.sin_addr) == 1 else { throw Failure("'\(source)' is not an IPv4 address") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemBind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw Failure("cannot bind to \(source): errno \(errno)") }
    }

    private func connect(to port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw Failure("cannot connect to 127.0.0.1:\(port): errno \(errno)") }
    }
}
