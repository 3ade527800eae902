/// One camera movement of the built-in engine's grammar, with how far it goes at full strength.
public enum CameraMove: String, Sendable, Codable, CaseIterable, Equatable {
    case pushIn = "push_in"
    case pullOut = "pull_out"
    case panLeft = "pan_left"
    case panRight = "pan_right"
    case tiltUp = "tilt_up"
    case tiltDown = "tilt_down"
    case truckLeft = "truck_left"
    case truckRight = "truck_right"
    case pedestalUp = "pedestal_up"
    case pedestalDown = "pedestal_down"
    case orbitLeft = "orbit_left"
    case orbitRight = "orbit_right"
    case rollLeft = "roll_left"
    case rollRight = "roll_right"
    case handheld
    case locked = "static"

    /// Where the move has taken the camera by the end of the shot, at full amplitude: a zoom
    /// factor, a window-centre displacement (fractions of the picture; +x right, +y down) and a
    /// rotation in radians (+ clockwise).
    var endpoint: (zoom: Double, shift: SIMD2<Double>, rotation: Double) {
        let degree = Double.pi / 180
        switch self {
        case .pushIn: return (1.22, .zero, 0)
        case .pullOut: return (1 / 1.22, .zero, 0)
        case .panLeft: return (1, SIMD2(-0.10, 0), 0)
        case .panRight: return (1, SIMD2(0.10, 0), 0)
        case .tiltUp: return (1, SIMD2(0, -0.08), 0)
        case .tiltDown: return (1, SIMD2(0, 0.08), 0)
        case .truckLeft: return (1.04, SIMD2(-0.08, 0), 0)
        case .truckRight: return (1.04, SIMD2(0.08, 0), 0)
        case .pedestalUp: return (0.98, SIMD2(0, -0.07), 0)
        case .pedestalDown: return (0.98, SIMD2(0, 0.07), 0)
        case .orbitLeft: return (1.06, SIMD2(-0.07, 0), -2.5 * degree)
        case .orbitRight: return (1.06, SIMD2(0.07, 0), 2.5 * degree)
        case .rollLeft: return (1, .zero, -5 * degree)
        case .rollRight: return (1, .zero, 5 * degree)
        case .handheld, .locked: return (1, .zero, 0)
        }
    }

    /// The move in words, for the plan shown to users.
    public var phrase: String {
        switch self {
        case .pushIn: "push in"
        case .pullOut: "pull out"
        case .panLeft: "pan left"
        case .panRight: "pan right"
        case .tiltUp: "tilt up"
        case .tiltDown: "tilt down"
        case .truckLeft: "truck left"
        case .truckRight: "truck right"
        case .pedestalUp: "crane up"
        case .pedestalDown: "crane down"
        case .orbitLeft: "orbit left"
        case .orbitRight: "orbit right"
        case .rollLeft: "roll left"
        case .rollRight: "roll right"
        case .handheld: "handheld"
        case .locked: "locked-off"
        }
    }
}

/// How fast the camera moves: it scales how far each move goes within the shot.
public enum CameraSpeed: String, Sendable, Codable, Equatable {
    case slow, normal, fast

    var amplitude: Double {
        switch self {
        case .slow: 0.6
        case .normal: 1
        case .fast: 1.6
        }
    }
}
