import Foundation
import ZoetropeCore

/// The shapes settings come in, each writing to one property of the configuration it belongs to.
extension Setting {
    public typealias Path<Value> = WritableKeyPath<Target, Value> & Sendable

    static func text(_ name: String, _ path: Path<String>, _ summary: String) -> Setting {
        Setting(name, .text, summary, default: { $0[keyPath: path] }) { $0[keyPath: path] = $1.text }
    }

    static func optionalText(
        _ name: String, _ path: Path<String?>, _ summary: String, secret: Bool = false, whenAbsent: String? = nil
    ) -> Setting {
        Setting(name, .text, summary, secret: secret, default: { $0[keyPath: path] ?? whenAbsent }) { target, given in
            target[keyPath: path] = given.text.isEmpty ? nil : given.text
        }
    }

    static func number(_ name: String, _ path: Path<Int>, _ summary: String, in range: ClosedRange<Int>) -> Setting {
        Setting(name, .number, summary, default: { String($0[keyPath: path]) }) { $0[keyPath: path] = try $1.number(in: range) }
    }

    static func seconds(_ name: String, _ path: Path<Double>, _ summary: String) -> Setting {
        Setting(name, .duration, summary, default: { SettingFormat.duration($0[keyPath: path]) }) {
            $0[keyPath: path] = try $1.seconds()
        }
    }

    static func duration(_ name: String, _ path: Path<Duration>, _ summary: String) -> Setting {
        Setting(name, .duration, summary, default: { SettingFormat.duration($0[keyPath: path].inSeconds) }) {
            $0[keyPath: path] = .milliseconds(Int64((try $1.seconds() * 1000).rounded()))
        }
    }

    static func bytes(_ name: String, _ path: Path<Int>, _ summary: String) -> Setting {
        Setting(name, .byteCount, summary, default: { SettingFormat.bytes($0[keyPath: path]) }) { $0[keyPath: path] = try $1.bytes() }
    }

    static func on(_ name: String, _ path: Path<Bool>, _ summary: String, to value: Bool = true) -> Setting {
        Setting(name, .onOff, summary, default: { $0[keyPath: path] == value ? "on" : "off" }) { target, given in
            if given.isOn { target[keyPath: path] = value }
        }
    }

    /// The same setting applied to a part of a larger configuration.
    func lifted<Whole>(_ path: WritableKeyPath<Whole, Target> & Sendable) -> Setting<Whole> {
        let apply = self.apply, describe = self.describeDefault
        return Setting<Whole>(
            name, kind, summary, environment: environmentVariable, secret: isSecret,
            default: { describe($0[keyPath: path]) }, apply: { try apply(&$0[keyPath: path], $1) })
    }
}

/// How defaults are written in help and documentation: `60s`, `10m`, `1h`; `200MB`, `2GB`.
enum SettingFormat {
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds)
        guard Double(whole) == seconds else { return "\(seconds)s" }
        if whole >= 3600, whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole >= 600, whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }

    static func bytes(_ count: Int) -> String {
        for (unit, power) in [("GB", 30), ("MB", 20), ("KB", 10)] where count >= 1 << power && count % (1 << power) == 0 {
            return "\(count >> power)\(unit)"
        }
        return "\(count)"
    }
}
