import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia

/// `SourcePyramid`: the levels a camera needs, each of the output's exact aspect ratio, the one a
/// zoom films from, and the decode that makes them (level 1 is exactly the plain decode).
struct SourcePyramidTests {
    @Test(arguments: [(1920, 1080), (1080, 1920), (1080, 1080)])
    func theLadderCoversTheZoomsInSmallSteps(width: Int, height: Int) {
        for zooms in [1.0...1.0, 1.0...1.22, 0.82...1.0, 1.0...3.0] {
            let scales = SourcePyramid.scales(for: zooms, width: width, height: height)
            #expect(scales.contains(1) && scales == scales.sorted())
            #expect(scales.first! <= zooms.lowerBound && scales.last! >= min(zooms.upperBound, SourcePyramid.overscan) - 0.02)
            for (a, b) in zip(scales, scales.dropFirst()) { #expect(b / a <= 1.06, "\(scales)") }
            for scale in scales {
                let size = SourcePyramid.size(scale: scale, width: width, height: height)
                #expect(size.width % 2 == 0 && size.height % 2 == 0)
                #expect(size.width * height == size.height * width, "\(size) is not \(width)×\(height)'s shape")
            }
        }
        #expect(SourcePyramid.scales(for: 1.0...1.0, width: width, height: height) == [1])
    }

    @Test func aZoomFilmsFromTheSmallestLevelAtLeastAsLarge() {
        let levels = [0.9, 1, 1.05, 1.1].map { PlanarImage(width: Int(200 * $0) / 2 * 2, height: 100) }
        let pyramid = SourcePyramid(scales: [0.9, 1, 1.05, 1.1], levels: levels)
        #expect(pyramid.level(forZoom: 1).width == 200)
        #expect(pyramid.level(forZoom: 1.01).width == levels[2].width)
        #expect(pyramid.level(forZoom: 0.85).width == levels[0].width)
        #expect(pyramid.level(forZoom: 2).width == levels[3].width)
        #expect(pyramid.outputSize.width == 200)
    }

    @Test func areaShrinkingAveragesAndKeepsFlatPicturesFlat() {
        var image = PlanarImage(width: 8, height: 4)
        for index in image.y.indices { image.y[index] = index % 2 == 0 ? 100 : 200 }
        let half = AreaScaler.scale(image, width: 4, height: 2)
        #expect(half.y.allSatisfy { $0 == 150 })
        #expect(half.u.allSatisfy { $0 == 128 })
        var flat = PlanarImage(width: 24, height: 14)
        for index in flat.y.indices { flat.y[index] = 77 }
        #expect(AreaScaler.scale(flat, width: 22, height: 12).y.allSatisfy { $0 == 77 })
    }

    @Test func levelOneIsThePlainDecode() throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let picture = directory.appendingPathComponent("picture.png")
        try VideoAnalysis.picture("testsrc2=s=1000x700", to: picture)
        let scales = SourcePyramid.scales(for: 0.9...1.2, width: 640, height: 360)
        let pyramid = try ImageDecoder().decodePyramid(picture, field: "p", width: 640, height: 360, scales: scales)
        let plain = try ImageDecoder().decode(picture, field: "p", width: 640, height: 360)
        #expect(pyramid.outputSize.y == plain.y && pyramid.outputSize.u == plain.u && pyramid.outputSize.v == plain.v)
        for (scale, level) in zip(pyramid.scales, pyramid.levels) {
            let size = SourcePyramid.size(scale: scale, width: 640, height: 360)
            #expect(level.width == size.width && level.height == size.height)
        }
    }
}
