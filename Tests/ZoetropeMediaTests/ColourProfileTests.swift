import Foundation
import Testing
import ZoetropeMedia

/// A picture keeps the colours viewers show: one that embeds a wide-gamut ICC profile (a phone's
/// Display P3 photo, a camera's Adobe RGB picture) in a JPEG, PNG or WebP decodes to its sRGB
/// colours; an untagged picture, or one tagged sRGB, decodes exactly as before; a broken profile is
/// ignored. Expected colours come from the published linear conversions, not from the code's own.
@Suite(.serialized)  // each test runs ffmpeg, blocking its thread: one at a time leaves the others the pool
struct ColourProfileTests {
    /// A flat colour, in the source's own space.
    static let colour = [200, 90, 60]

    /// Linear RGB of each space to linear sRGB (both D65), as colour-science references publish them.
    static let toSRGB: [String: [[Double]]] = [
        "Display P3": [[1.2249, -0.2247, 0], [-0.0420, 1.0419, 0], [-0.0197, -0.0786, 1.0979]],
        "Adobe RGB": [[1.3983, -0.3983, 0], [0, 1, 0], [0, -0.0429, 1.0429]],
    ]

    static let profiles: [String: [UInt8]] = [
        "Display P3": PictureFiles.iccProfile(colorants: PictureFiles.displayP3, curve: PictureFiles.srgbCurve),
        "Adobe RGB": PictureFiles.iccProfile(colorants: PictureFiles.adobeRGB, curve: PictureFiles.gammaCurve(563.0 / 256)),
    ]

    /// `colour` of the space named, as sRGB 8-bit values.
    static func expected(_ space: String) -> [Double] {
        let srgbLinear = { (v: Double) in v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4) }
        let linear = colour.map { space == "Adobe RGB" ? pow(Double($0) / 255, 563.0 / 256) : srgbLinear(Double($0) / 255) }
        return toSRGB[space]!.map { row in
            let value = min(max(zip(row, linear).map(*).reduce(0, +), 0), 1)
            return 255 * (value <= 0.003_130_8 ? 12.92 * value : 1.055 * pow(value, 1 / 2.4) - 0.055)
        }
    }

    /// The mean colour of a decoded picture, turned back to 8-bit RGB from BT.709 limited range.
    static func meanRGB(_ image: PlanarImage) -> [Double] {
        func mean(_ plane: [UInt8]) -> Double { Double(plane.reduce(0) { $0 + Int($1) }) / Double(plane.count) }
        let y = 1.164_383 * (mean(image.y) - 16), u = mean(image.u) - 128, v = mean(image.v) - 128
        return [y + 1.792_741 * v, y - 0.213_249 * u - 0.532_909 * v, y + 2.112_402 * u]
    }

    /// A 64×64 picture of `colour` in `format`, made by ffmpeg (WebP lossless), with `profile` put in.
    static func picture(_ format: String, colour: [Int] = colour, profile: [UInt8]?, in directory: URL, name: String)
        throws -> URL
    {
        let plain = directory.appendingPathComponent("plain-\(name).\(format)")
        let raw = directory.appendingPathComponent("\(name).rgb")  // exact values (lavfi's colour goes through YUV)
        try Data((0..<64 * 64).flatMap { _ in colour.map(UInt8.init) }).write(to: raw)
        _ = try VideoAnalysis.ffmpeg(["-v", "error", "-f", "rawvideo", "-pixel_format", "rgb24", "-video_size", "64x64",
                                      "-i", raw.path, "-frames:v", "1"]
            + (format == "webp" ? ["-lossless", "1"] : format == "jpg" ? ["-q:v", "1"] : []) + [plain.path])
        guard let profile else { return plain }
        let bytes = [UInt8](try Data(contentsOf: plain))
        let tagged: [UInt8] = switch format {
        case "jpg": PictureFiles.jpeg(bytes, profile: profile, chunk: 200)
        case "png": PictureFiles.png(bytes, profile: profile)
        default: PictureFiles.webp(bytes, width: 64, height: 64, profile: profile)
        }
        let file = directory.appendingPathComponent("\(name).\(format)")
        try Data(tagged).write(to: file)
        return file
    }

    @Test(arguments: ["jpg", "png", "webp"])
    func wideGamutPicturesDecodeToTheColoursViewersShow(format: String) throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let decoder = ImageDecoder()
        let untagged = try Self.picture(format, profile: nil, in: directory, name: "untagged")
        let plain = Self.meanRGB(try decoder.decode(untagged, field: "start_image_url", width: 32, height: 32))
        #expect(zip(plain, Self.colour).allSatisfy { abs($0 - Double($1)) <= 3 }, "untagged: \(plain)")
        for (space, profile) in Self.profiles.sorted(by: { $0.key < $1.key }) {
            let file = try Self.picture(format, profile: profile, in: directory, name: space.replacingOccurrences(of: " ", with: "-"))
            #expect(ColourProfile.embedded(in: file) == profile, "\(format) \(space): the profile read back")
            // Within a step of the expected colour (8-bit; a JPEG's own loss adds up to 2.5 more): read as
            // if it were sRGB, the picture would be 10-30 steps off in red.
            let expected = Self.expected(space), tolerance = format == "jpg" ? 3.5 : 1.0
            let decoded = Self.meanRGB(try decoder.decode(file, field: "start_image_url", width: 32, height: 32))
            #expect(zip(decoded, expected).allSatisfy { abs($0 - $1) <= tolerance }, "\(format) \(space): \(decoded), expected \(expected)")
            // The engine's source pyramid (a larger level made in the same ffmpeg run) is converted too.
            let pyramid = try decoder.decodePyramid(file, field: "start_image_url", width: 32, height: 32, scales: [1, 2])
            for level in pyramid.levels {
                let colour = Self.meanRGB(level)
                #expect(zip(colour, expected).allSatisfy { abs($0 - $1) <= tolerance }, "\(format) \(space) pyramid: \(colour)")
            }
        }
    }

    @Test func sRGBTaggedPicturesDecodeExactlyAsUntaggedOnes() throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let srgb = PictureFiles.iccProfile(colorants: PictureFiles.sRGB, curve: PictureFiles.srgbCurve)
        #expect(ICCProfile(srgb) != nil)
        #expect(ICCProfile(srgb).flatMap(SRGBConversion.init) == nil)
        let decoder = ImageDecoder()
        for format in ["jpg", "png"] {
            let tagged = try Self.picture(format, profile: srgb, in: directory, name: "srgb")
            let untagged = directory.appendingPathComponent("plain-srgb.\(format)")
            #expect(ColourProfile.conversion(for: tagged) == nil)
            let a = try decoder.decode(tagged, field: "start_image_url", width: 32, height: 32)
            let b = try decoder.decode(untagged, field: "start_image_url", width: 32, height: 32)
            #expect(a.y == b.y && a.u == b.u && a.v == b.v, "\(format)")
        }
    }

    /// Broken or unread profiles leave the picture as it is, with no error: a corrupt zlib stream, a
    /// truncated profile, a JPEG missing one of its profile's segments, a CMYK profile.
    @Test func brokenProfilesAreIgnored() throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let p3 = Self.profiles["Display P3"]!
        let png = [UInt8](try Data(contentsOf: try Self.picture("png", profile: nil, in: directory, name: "base")))
        let jpeg = [UInt8](try Data(contentsOf: try Self.picture("jpg", profile: nil, in: directory, name: "base")))
        var cmyk = p3
        cmyk.replaceSubrange(16..<20, with: Array("CMYK".utf8))
        let missingSegment = PictureFiles.jpeg(jpeg, inserting: 0xE2, [Array("ICC_PROFILE".utf8) + [0, 1, 2] + p3.prefix(100)])
        let files: [(String, [UInt8])] = [
            ("zlib.png", PictureFiles.png(png, inserting: "iCCP", Array("x".utf8) + [0, 0, 0x78, 0x9C, 1, 2, 3, 4])),
            ("truncated.png", PictureFiles.png(png, profile: Array(p3.prefix(150)))),
            ("segment.jpg", missingSegment),
            ("cmyk.jpg", PictureFiles.jpeg(jpeg, profile: cmyk)),
        ]
        let decoder = ImageDecoder()
        for (name, bytes) in files {
            let file = directory.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            #expect(ColourProfile.conversion(for: file) == nil, "\(name)")
            let colour = Self.meanRGB(try decoder.decode(file, field: "start_image_url", width: 32, height: 32))
            #expect(zip(colour, Self.colour).allSatisfy { abs($0 - Double($1)) <= 3 }, "\(name): \(colour)")
        }
    }

    /// Tone curves as profiles write them: a gamma, a table, and each parametric function type.
    @Test func toneCurvesReadAsTheICCSpecificationDefinesThem() throws {
        let table = Array("curv".utf8) + [0, 0, 0, 0] + PictureFiles.bigEndian(3, 4)
            + [0, 65535 / 4, 65535].flatMap { PictureFiles.bigEndian($0, 2) }
        #expect(ToneCurve(tag: table) == .table([0, Double(65535 / 4) / 65535, 1]))
        #expect(abs(ToneCurve(tag: table)!.linear(0.25) - 0.5 * Double(65535 / 4) / 65535) < 1e-9)
        #expect(ToneCurve(tag: PictureFiles.gammaCurve(2.2))!.linear(0.5) == pow(0.5, 563.0 / 256))
        let srgb = ToneCurve(tag: PictureFiles.srgbCurve)!
        for v in stride(from: 0.0, through: 1, by: 0.05) {
            let reference = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
            #expect(abs(srgb.linear(v) - reference) < 1e-4, "\(v)")
        }
        #expect(ToneCurve(tag: Array("curv".utf8)) == nil)
        #expect(ICCProfile(Array(repeating: 0, count: 200)) == nil)
    }
}
