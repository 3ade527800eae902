import NIOCore
import Synchronization

/// Open connections by client across the process, each client up to `maxPerClient`. A client is
/// an IPv4 address, or an IPv6 /64 (one host usually holds a whole /64).
final class ClientConnectionLimiter: Sendable {
    let maxPerClient: Int
    /// Open connections by client, and the clients refused since they last had none open.
    private let state = Mutex<(open: [String: Int], refused: Set<String>)>(([:], []))

    init(maxPerClient: Int) {
        self.maxPerClient = maxPerClient
    }

    /// What `admit` decided.
    enum Admission: Equatable {
        case admitted
        /// `first`: the client's first refusal since it last had no connection open (worth a log line).
        case refused(first: Bool)
    }

    /// Counts a new connection from `client`, or refuses it when the client has its maximum.
    func admit(_ client: String) -> Admission {
        state.withLock { state in
            let count = state.open[client, default: 0]
            guard count < maxPerClient else { return .refused(first: state.refused.insert(client).inserted) }
            state.open[client] = count + 1
            return .admitted
        }
    }

    /// A connection `admit` counted has closed.
    func release(_ client: String) {
        state.withLock { state in
            let remaining = state.open[client, default: 1] - 1
            if remaining > 0 {
                state.open[client] = remaining
            } else {
                state.open[client] = nil
                state.refused.remove(client)
            }
        }
    }

    /// The client a peer address counts as.
    static func client(of address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        if case .v6(let v6) = address {
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let mappedIPv4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            if !mappedIPv4 {
                return bytes[0..<8].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
            }
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return address.ipAddress ?? "unknown"
    }
}
