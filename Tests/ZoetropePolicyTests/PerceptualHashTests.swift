import Foundation
import Testing
import ZoetropePolicy

/// The DCT hash of synthetic luminance grids: stable under brightness and contrast changes and
/// small noise, different for different pictures. (Hashes of real image files, re-encoded,
/// resized and cropped, are tested through the gateway.)
struct PerceptualHashTests {
    static let side = PerceptualHash.gridSize

    static func grid(_ value: (Double, Double) -> Double) -> [Double] {
        (0..<side * side).map { index in
            value(Double(index % side) / Double(side), Double(index / side) / Double(side))
        }
    }

    static let scene = grid { x, y in 128 + 60 * sin(7 * x + 2 * y) + 40 * cos(5 * y) + (x > 0.6 && y < 0.4 ? 50 : 0) }
    static let other = grid { x, y in 128 + 70 * cos(3 * x - 9 * y) - (y > 0.5 ? 45 : 0) }

    @Test func sameGridSameHash() {
        #expect(PerceptualHash(luminance: Self.scene) == PerceptualHash(luminance: Self.scene))
    }

    @Test func brightnessAndContrastKeepTheHash() {
        let changed = Self.scene.map { 0.8 * $0 + 20 }
        #expect(PerceptualHash(luminance: Self.scene) == PerceptualHash(luminance: changed))
    }

    @Test func slightNoiseKeepsTheHashClose() {
        let noisy = Self.scene.enumerated().map { index, value in value + 3 * sin(Double(index) * 12.9898) }
        let distance = PerceptualHash(luminance: Self.scene).distance(to: PerceptualHash(luminance: noisy))
        #expect(distance <= ContentPolicy.defaultImageDistance / 2)
    }

    @Test func differentPicturesAreFarApart() {
        let distance = PerceptualHash(luminance: Self.scene).distance(to: PerceptualHash(luminance: Self.other))
        #expect(distance >= 20)
    }

    @Test func hexRoundTrip() throws {
        let hash = PerceptualHash(luminance: Self.scene)
        #expect(hash.description.count == 16)
        #expect(try #require(PerceptualHash(hex: hash.description)) == hash)
        #expect(PerceptualHash(hex: "xyz") == nil)
    }
}
