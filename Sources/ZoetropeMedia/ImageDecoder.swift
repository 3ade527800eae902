import Foundation
import ZoetropeCore

/// Decodes an image file with ffmpeg into a `PlanarImage`, cover-cropped (scaled to fill, centre
/// cropped) to an exact size, turned upright as its EXIF orientation says (`ImageOrientation`).
/// The image's dimensions are read first and capped, so a decompression bomb is refused before
/// it is decoded.
public struct ImageDecoder: Sendable {
    /// Largest decoded image accepted, in pixels (8K × 8K).
    public var maxPixels: Int
    public var maxDimension: Int

    public init(maxPixels: Int = 64 * 1024 * 1024, maxDimension: Int = 16384) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
    }

    /// Most streams a file may hold (a container with thousands of streams costs the demuxer).
    public var maxStreams: Int = 16

    /// The width and height of the picture ffmpeg decodes (the file's first video stream), upright,
    /// or a `RenderError` naming `field`. Every video stream is checked against the size caps, not only
    /// that one, so no stream of a crafted container slips past them.
    public func probe(_ file: URL, field: String) throws -> (width: Int, height: Int) {
        let output = try ProcessRunner.runBlocking(
            "ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,width,height", "-of", "json", file.path])
        let streams = ((try? JSONSerialization.jsonObject(with: output.stdout)) as? [String: Any])?["streams"]
            as? [[String: Any]] ?? []
        let pictures = streams.filter { $0["codec_type"] as? String == "video" }
            .map { (width: $0["width"] as? Int ?? 0, height: $0["height"] as? Int ?? 0) }
        guard output.status == 0, let first = pictures.first, first.width > 0, first.height > 0 else {
            let reason = output.lastErrorLine.isEmpty ? "no picture found" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the file is not a decodable image (\(reason))")
        }
        guard streams.count <= maxStreams else {
            throw RenderError("\(field): the file holds \(streams.count) streams; at most \(maxStreams) are allowed")
        }
        for size in pictures
        where size.width > maxDimension || size.height > maxDimension || size.width * size.height > maxPixels {
            throw RenderError(
                "\(field): the image is \(size.width)×\(size.height) pixels; at most \(maxDimension) per side and \(maxPixels / 1_000_000) megapixels are allowed")
        }
        return ImageOrientation.of(file)?.swapsSides == true ? (first.height, first.width) : first
    }

    /// Decodes `file` (its first video stream), cover-cropped to `width` × `height`.
    public func decode(_ file: URL, field: String, width: Int, height: Int) throws -> PlanarImage {
        let filter = Self.coverFilter(width: width, height: height) + ",format=yuv420p"
        let bytes = try firstPicture(file, field: field, filter: filter, pixelFormat: "yuv420p")
        guard let image = PlanarImage(yuv420p: bytes, width: width, height: height) else {
            throw RenderError("\(field): the image could not be decoded (ffmpeg produced no picture)")
        }
        return image
    }

    /// Decodes `file` once into every level of a `SourcePyramid` for a `width`×`height` output.
    /// One ffmpeg run makes the level of scale 1 (exactly what `decode` gives) and the largest
    /// level; the levels between are shrunk from the next larger of those two by area averaging
    /// (`AreaScaler`), which costs a fraction of another Lanczos pass.
    public func decodePyramid(_ file: URL, field: String, width: Int, height: Int, scales: [Double]) throws
        -> SourcePyramid
    {
        let top = scales.max() ?? 1
        let exact = SourcePyramid.size(scale: 1, width: width, height: height)
        var decoded: [Double: PlanarImage] = [:]
        if top <= 1 {
            decoded[1] = try decode(file, field: field, width: exact.width, height: exact.height)
        } else {
            let large = SourcePyramid.size(scale: top, width: width, height: height)
            let graph = "split=2[exact][large];[exact]" + Self.coverFilter(width: exact.width, height: exact.height)
                + ",pad=\(large.width):\(exact.height):0:0[a];[large]"
                + Self.coverFilter(width: large.width, height: large.height, accurate: false)
                + "[b];[a][b]vstack=inputs=2,format=yuv420p"
            let bytes = try firstPicture(file, field: field, filter: graph, pixelFormat: "yuv420p")
            guard let stack = PlanarImage(yuv420p: bytes, width: large.width, height: exact.height + large.height) else {
                throw RenderError("\(field): the image could not be decoded (ffmpeg produced no picture)")
            }
            decoded[1] = stack.region(x: 0, y: 0, width: exact.width, height: exact.height)
            decoded[top] = stack.region(x: 0, y: exact.height, width: large.width, height: large.height)
        }
        let levels = scales.map { scale -> PlanarImage in
            if let level = decoded[scale] { return level }
            let size = SourcePyramid.size(scale: scale, width: width, height: height)
            return AreaScaler.scale(decoded[scale < 1 ? 1 : top]!, width: size.width, height: size.height)
        }
        return SourcePyramid(scales: scales, levels: levels)
    }

    /// How much wider or taller than the output a picture's shape may be before its sides are
    /// cut off ahead of scaling: a 16 000×2 picture scaled to cover 1920×1080 first would be
    /// 8.6 million pixels wide. Ordinary shapes (a portrait photo for a 16:9 video is 3.2 times
    /// too tall) are scaled whole, exactly as before.
    static let widestShape = 4

    /// The filter that scales a picture to fill `width`×`height`, centre-crops it, and converts it
    /// to BT.709 limited-range YUV (Lanczos, with accurate rounding and full chroma interpolation).
    /// A picture more than `widestShape` times wider or taller than the output's shape is first
    /// centre-cropped to that shape, so the scaled picture stays within 4 times the output
    /// (`exact=1`: without it ffmpeg rounds an odd-sized 4:2:0 picture down even when nothing is cut).
    /// `accurate` false drops the exact rounding and chroma interpolation (twice as fast).
    static func coverFilter(width: Int, height: Int, accurate: Bool = true) -> String {
        "crop=w='min(iw,\(widestShape)*ih*\(width)/\(height))':h='min(ih,\(widestShape)*iw*\(height)/\(width))':exact=1,"
            + "scale=\(width):\(height):force_original_aspect_ratio=increase:flags=lanczos"
            + (accurate ? "+accurate_rnd+full_chroma_int" : "")
            + ":out_color_matrix=bt709:out_range=tv,crop=\(width):\(height)"
    }

    /// The filter that turns a picture's colours into sRGB through the lookup table in the file at
    /// `table` (`SRGBConversion.cube`), the picture first made 16-bit RGB (full chroma, accurate
    /// rounding) so the table's output keeps more than 8 bits. The path is escaped twice, for the
    /// option's value and for the filter graph, as ffmpeg reads them.
    static func colourFilter(table: String) -> String {
        func escaped(_ text: String, _ special: String) -> String {
            text.map { special.contains($0) ? "\\\($0)" : String($0) }.joined()
        }
        return "scale=flags=accurate_rnd+full_chroma_int,format=rgb48le,lut3d=file="
            + escaped(escaped(table, "\\':"), "\\'[],;") + ":interp=tetrahedral"
    }

    /// The first picture of `file`, turned upright, through an ffmpeg filter, as raw bytes of
    /// `pixelFormat`; a `RenderError` naming `field` when ffmpeg cannot make one (probed then, to
    /// say whether the file is no image at all). A JPEG, PNG or WebP is turned by
    /// `ImageOrientation`, ffmpeg's own rotation off, so every ffmpeg version turns it once (ffmpeg
    /// 5.1 turns JPEGs but not PNG or WebP pictures); ffmpeg turns any other file it can.
    /// Its colours are turned into sRGB first when it embeds another colour profile (`ColourProfile`).
    func firstPicture(_ file: URL, field: String, filter: String, pixelFormat: String) throws -> [UInt8] {
        let orientation = ImageOrientation.of(file)
        let upright = orientation?.uprightFilter.map { $0 + "," } ?? ""
        let conversion = ColourProfile.conversion(for: file)
        let table = conversion.map { _ in
            FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-colours-\(UUID().uuidString).cube")
        }
        defer { if let table { try? FileManager.default.removeItem(at: table) } }
        if let conversion, let table { try Data(conversion.cube.utf8).write(to: table) }
        let toSRGB = table.map { Self.colourFilter(table: $0.path) + "," } ?? ""
        let output = try ProcessRunner.runBlocking(
            "ffmpeg",
            ["-hide_banner", "-nostdin", "-v", "error", "-max_pixels", String(maxPixels)]
                + (orientation == nil ? [] : ["-noautorotate"])
                + ["-i", file.path, "-frames:v", "1", "-filter_complex", "[0:v:0]" + upright + toSRGB + filter,
                   "-f", "rawvideo", "-pix_fmt", pixelFormat, "pipe:1"])
        guard output.status == 0, !output.stdout.isEmpty else {
            _ = try probe(file, field: field)
            let reason = output.lastErrorLine.isEmpty ? "ffmpeg produced no picture" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the image could not be decoded (\(reason))")
        }
        return [UInt8](output.stdout)
    }
}
