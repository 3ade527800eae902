import ArgumentParser
import ZoetropeOutbound

/// The outbound policy's flags, shared by `serve` and `worker`: which addresses and ports input
/// URLs (and the gateway's webhooks) may reach, and how long and how slowly one fetch may run.
struct OutboundOptions: ParsableArguments {
    @Flag(name: .customLong("allow-private-inputs"), help: "Let input URLs and webhooks reach loopback/private addresses on any port: a trusted network (ZOETROPE_ALLOW_PRIVATE_INPUTS=1).")
    var allowPrivateInputs = false
    @Option(name: .customLong("allow-outbound-port"), help: "A port input URLs and webhooks may use besides 80 and 443 (repeat; ZOETROPE_ALLOW_OUTBOUND_PORTS, comma-separated).")
    var ports: [Int] = []
    @Option(name: .customLong("fetch-timeout"), help: "The most one input fetch may take, connect to last byte, e.g. 60s (ZOETROPE_FETCH_TIMEOUT, default 60s).")
    var fetchTimeout: String?
    @Option(name: .customLong("fetch-min-rate"), help: "The least average rate an input may arrive at after its first 10 s, in bytes a second; 0 turns it off (ZOETROPE_FETCH_MIN_RATE, default 16384).")
    var fetchMinimumRate: Int?

    /// The policy these flags and their environment variables describe.
    func policy() throws -> OutboundPolicy {
        var policy = OutboundPolicy()
        policy.allowPrivate = allowPrivateInputs || Environment.flag("ZOETROPE_ALLOW_PRIVATE_INPUTS")
        var extra = ports
        if extra.isEmpty, let listed = Environment.string("ZOETROPE_ALLOW_OUTBOUND_PORTS") {
            extra = try listed.split(separator: ",").map { try ServeCommand.int(named: "ZOETROPE_ALLOW_OUTBOUND_PORTS")(String($0).trimmingCharacters(in: .whitespaces)) }
        }
        for port in extra where !(1...65535).contains(port) {
            throw ValidationError("--allow-outbound-port must be a port from 1 to 65535 (got \(port))")
        }
        policy.extraPorts = extra
        if let seconds = try ServeCommand.seconds(fetchTimeout ?? Environment.string("ZOETROPE_FETCH_TIMEOUT"), flag: "--fetch-timeout") {
            policy.fetchTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let rate = try fetchMinimumRate ?? Environment.string("ZOETROPE_FETCH_MIN_RATE").map(ServeCommand.int(named: "ZOETROPE_FETCH_MIN_RATE")) {
            guard rate >= 0 else { throw ValidationError("--fetch-min-rate must be 0 or more bytes a second") }
            policy.minimumRate = rate
        }
        return policy
    }
}
