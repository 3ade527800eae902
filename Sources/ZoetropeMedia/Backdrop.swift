/// What a camera that pulls back past the edges of its picture shows around it: the picture
/// itself, blurred far out of focus, dimmed and desaturated, so the shot opens on the whole
/// picture and the picture then recedes into its own soft surround (nothing is invented).
public enum Backdrop {
    /// The backdrop for `picture` (an output-size level), at its size.
    public static func make(from picture: PlanarImage) -> PlanarImage {
        var backdrop = picture
        let radius = max(2, picture.width / 48)
        blur(&backdrop.y, width: picture.width, height: picture.height, radius: radius)
        blur(&backdrop.u, width: picture.chromaWidth, height: picture.chromaHeight, radius: max(1, radius / 2))
        blur(&backdrop.v, width: picture.chromaWidth, height: picture.chromaHeight, radius: max(1, radius / 2))
        for index in backdrop.y.indices { backdrop.y[index] = UInt8(16 + (Int(backdrop.y[index]) - 16) * 11 / 20) }
        for index in backdrop.u.indices {
            backdrop.u[index] = UInt8(128 + (Int(backdrop.u[index]) - 128) / 2)
            backdrop.v[index] = UInt8(128 + (Int(backdrop.v[index]) - 128) / 2)
        }
        return backdrop
    }

    /// Three box blurs of `radius` along rows and columns (close to a Gaussian), edges clamped.
    static func blur(_ plane: inout [UInt8], width: Int, height: Int, radius: Int) {
        var values = plane.map { Int32($0) }
        var line = [Int32](repeating: 0, count: max(width, height))
        func pass(count: Int, stride: Int, start: Int) {
            for index in 0..<count { line[index] = values[start + index * stride] }
            let window = Int32(2 * radius + 1)
            var sum: Int32 = 0
            for k in -radius...radius { sum += line[min(max(k, 0), count - 1)] }
            for index in 0..<count {
                values[start + index * stride] = (sum + window / 2) / window
                sum += line[min(index + radius + 1, count - 1)] - line[max(index - radius, 0)]
            }
        }
        for _ in 0..<3 {
            for row in 0..<height { pass(count: width, stride: 1, start: row * width) }
            for column in 0..<width { pass(count: height, stride: width, start: column) }
        }
        plane = values.map { UInt8(clamping: $0) }
    }
}
