import ZoetropeOutbound
import ZoetropeWorker

/// What `zoetrope worker` is told: its gateway, its token, what it renders and how it fetches.
public struct WorkerSettings: Sendable {
    public var gateway: String?
    public var token: String?
    public var models: [String] = []
    public var concurrency = 1
    public var workDirectory: String?
    public var outbound = OutboundPolicy()
    public var stallLimit: Duration = JobExecutor.defaultStallLimit

    public init() {}

    public static let all: [Setting<WorkerSettings>] = [
        .optionalText("gateway", \.gateway, "The gateway's base URL (required)"),
        Setting("token", .text, "A worker token from `zoetrope keys create --worker` (required)",
                environment: "ZOETROPE_WORKER_TOKEN", secret: true) { $0.token = $1.text },
        Setting("model", .list, "A model to serve (repeat, or comma-separated)", environment: "ZOETROPE_WORKER_MODELS",
                default: { _ in "every model of the built-in engines" }) { $0.models = $1.list },
        .number("concurrency", \.concurrency, "Jobs rendered at once", in: 1...1024),
        .optionalText("work-dir", \.workDirectory, "Scratch space for inputs and outputs", whenAbsent: "a temporary directory"),
        .duration("stall-limit", \.stallLimit, "How long a render's progress may stand still before the render is given up and the job handed back"),
    ] + OutboundSettings.all.map { $0.lifted(\.outbound) }
}
