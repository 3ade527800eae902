/// A picture in 8-bit YUV 4:2:0: a full-size luma plane and two half-size chroma planes, the
/// layout the encoder consumes, so frames never pass through RGB.
public struct PlanarImage: Sendable {
    public let width: Int
    public let height: Int
    public var y: [UInt8]
    public var u: [UInt8]
    public var v: [UInt8]

    public var chromaWidth: Int { width / 2 }
    public var chromaHeight: Int { height / 2 }
    /// Bytes of one frame in `yuv420p`.
    public static func byteCount(width: Int, height: Int) -> Int { width * height + 2 * (width / 2) * (height / 2) }

    public init(width: Int, height: Int) {
        precondition(width % 2 == 0 && height % 2 == 0, "yuv420p needs even dimensions")
        self.width = width
        self.height = height
        self.y = [UInt8](repeating: 16, count: width * height)
        self.u = [UInt8](repeating: 128, count: (width / 2) * (height / 2))
        self.v = [UInt8](repeating: 128, count: (width / 2) * (height / 2))
    }

    /// Splits one packed `yuv420p` frame (as ffmpeg writes it) into planes.
    public init?(yuv420p bytes: [UInt8], width: Int, height: Int) {
        guard width % 2 == 0, height % 2 == 0, bytes.count == Self.byteCount(width: width, height: height) else {
            return nil
        }
        let lumaCount = width * height
        let chromaCount = (width / 2) * (height / 2)
        self.width = width
        self.height = height
        self.y = Array(bytes[0..<lumaCount])
        self.u = Array(bytes[lumaCount..<(lumaCount + chromaCount)])
        self.v = Array(bytes[(lumaCount + chromaCount)...])
    }
}

extension PlanarImage {
    /// The `width`×`height` part of the picture whose top-left corner is (`x`, `y`), all even.
    public func region(x: Int, y top: Int, width: Int, height: Int) -> PlanarImage {
        precondition(x % 2 == 0 && top % 2 == 0 && x + width <= self.width && top + height <= self.height)
        var part = PlanarImage(width: width, height: height)
        func copy(_ source: [UInt8], _ sourceWidth: Int, into target: inout [UInt8], _ left: Int, _ top: Int, _ w: Int, _ h: Int) {
            for row in 0..<h {
                let from = (top + row) * sourceWidth + left
                target.replaceSubrange(row * w..<(row + 1) * w, with: source[from..<(from + w)])
            }
        }
        copy(y, self.width, into: &part.y, x, top, width, height)
        copy(u, chromaWidth, into: &part.u, x / 2, top / 2, width / 2, height / 2)
        copy(v, chromaWidth, into: &part.v, x / 2, top / 2, width / 2, height / 2)
        return part
    }
}
