import ZoetropeOutbound

/// The outbound policy's settings, shared by `serve` and `worker`.
public enum OutboundSettings {
    public static let all: [Setting<OutboundPolicy>] = [
        .on("allow-private-inputs", \.allowPrivate, "Let input URLs and webhooks reach loopback and private addresses on any port: a trusted network"),
        Setting(
            "allow-outbound-port", .list, "A port input URLs and webhooks may use besides 80 and 443 (repeat, or comma-separated)",
            environment: "ZOETROPE_ALLOW_OUTBOUND_PORTS", default: { $0.extraPorts.isEmpty ? "none" : $0.extraPorts.map(String.init).joined(separator: ",") }
        ) { policy, given in
            policy.extraPorts = try given.list.map {
                try SettingText(values: [$0], flag: given.flag, environmentVariable: given.environmentVariable).number(in: 1...65535)
            }
        },
        .duration("fetch-timeout", \.fetchTimeout, "The most one input fetch may take, connect to last byte, redirects included"),
        .number("fetch-min-rate", \.minimumRate, "The least average rate an input may arrive at once its body has run 10 s, in bytes a second; 0 turns it off", in: 0...Int.max),
    ]
}
