import Foundation
import Testing
import ZoetropeMedia

/// Motion blur: only fast frames get it, spread over the half frame interval, and it smears
/// detail along the motion and not across it.
struct MotionBlurTests {
    @Test func slowMovesStaySharpFastOnesAreSampledAcrossTheShutter() {
        let blur = MotionBlur()
        let slow = CameraPlan(frameCount: 120, moves: [.pushIn], speed: .slow, strength: 0.6)
        #expect((0..<120).allSatisfy { blur.sampleTimes(for: slow, frame: $0, width: 1920, height: 1080) == [Double($0)] })

        let fast = CameraPlan(frameCount: 48, moves: [.panLeft], speed: .fast, strength: 1)
        #expect(blur.sampleTimes(for: fast, frame: 0, width: 1920, height: 1080) == [0])
        let middle = blur.sampleTimes(for: fast, frame: 24, width: 1920, height: 1080)
        #expect(middle.count >= 4 && middle.count <= blur.maximumSamples)
        #expect(abs(middle.first! - 23.75) < 1e-9 && abs(middle.last! - 24.25) < 1e-9)
        // The pan moves the picture several pixels a frame there.
        let travel = MotionBlur.travel(of: fast, from: 23.5, to: 24.5, width: 1920, height: 1080)
        #expect(travel > 6, "travel \(travel) px")
        // "motion blur" in the negative prompt turns it off; a plain "blur" does not.
        #expect(blur.honouring(negativePrompt: "blur, low quality").sampleTimes(
            for: fast, frame: 24, width: 1920, height: 1080) == middle)
        #expect(blur.honouring(negativePrompt: "no motion blur").sampleTimes(
            for: fast, frame: 24, width: 1920, height: 1080) == [24])
    }

    @Test func blurSmearsAlongThePanOnly() {
        // Vertical plus horizontal stripes, 4 pixels wide: equal detail across and down, and a
        // smear across leaves the horizontal stripes standing.
        let (width, height) = (640, 360)
        var source = PlanarImage(width: 800, height: 450)
        for y in 0..<source.height {
            for x in 0..<source.width {
                source.y[y * source.width + x] = UInt8(130 + (x / 4 % 2 == 0 ? 45 : -45) + (y / 4 % 2 == 0 ? 45 : -45))
            }
        }
        let plan = CameraPlan(frameCount: 12, moves: [.panRight], speed: .fast, strength: 1)
        let renderer = FrameRenderer()
        var sharp = PlanarImage(width: width, height: height)
        var blurred = PlanarImage(width: width, height: height)
        renderer.render(source, view: plan.view(at: 6), into: &sharp)
        let pyramid = SourcePyramid(scales: [1], levels: [source])
        renderer.render(pyramid, plan: plan, frame: 6, blur: MotionBlur(), into: &blurred)

        func energy(_ image: PlanarImage, dx: Int, dy: Int) -> Double {
            var sum = 0.0
            for y in 8..<(height - 8) {
                for x in 8..<(width - 8) {
                    let d = Double(image.y[y * width + x]) - Double(image.y[(y + dy) * width + x + dx])
                    sum += d * d
                }
            }
            return sum
        }
        let sharpRatio = energy(sharp, dx: 1, dy: 0) / energy(sharp, dx: 0, dy: 1)
        let blurredRatio = energy(blurred, dx: 1, dy: 0) / energy(blurred, dx: 0, dy: 1)
        #expect(sharpRatio > 0.8 && sharpRatio < 1.25, "sharp frame: across/down detail \(sharpRatio)")
        #expect(blurredRatio < 0.5 * sharpRatio, "blurred frame: across/down detail \(blurredRatio)")
        // Slow frames of the same plan are rendered exactly as without blur.
        renderer.render(source, view: plan.view(at: 0), into: &sharp)
        renderer.render(pyramid, plan: plan, frame: 0, blur: MotionBlur(), into: &blurred)
        #expect(sharp.y == blurred.y)
    }
}
