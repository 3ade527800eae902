import Testing
import ZoetropeMedia

/// Prompts, English and Chinese, read into camera moves and speeds.
struct CameraGrammarTests {
    @Test(arguments: [
        ("Slow push in on the lighthouse", [CameraMove.pushIn], CameraSpeed.slow),
        ("The camera zooms out to reveal the valley", [.pullOut], .normal),
        ("pan left across the skyline", [.panLeft], .normal),
        ("A fast pan to the right", [.panRight], .fast),
        ("tilt up to the sky", [.tiltUp], .normal),
        ("camera tilts down slowly", [.tiltDown], .slow),
        ("trucking left past the shops", [.truckLeft], .normal),
        ("crane up over the crowd", [.pedestalUp], .normal),
        ("crane down to street level", [.pedestalDown], .normal),
        ("orbit around the statue clockwise", [.orbitRight], .normal),
        ("gentle roll to the left", [.rollLeft], .slow),
        ("handheld shot of a market", [.handheld], .normal),
        ("static shot, locked-off tripod", [.locked], .normal),
        ("Dolly in while panning right, rapid", [.pushIn, .panRight], .fast),
        ("zoom in then zoom out", [.pushIn], .normal),
        ("镜头缓慢推进，聚焦在人物脸上", [.pushIn], .slow),
        ("镜头向左摇，展示城市天际线", [.panLeft], .normal),
        ("快速拉远，展现整个山谷", [.pullOut], .fast),
        ("手持拍摄的街头场景", [.handheld], .normal),
        ("固定镜头，人物在说话", [.locked], .normal),
        ("镜头环绕雕像", [.orbitLeft], .normal),
    ])
    func reads(prompt: String, moves: [CameraMove], speed: CameraSpeed) {
        let reading = CameraGrammar.read(prompt: prompt)
        #expect(reading.moves == moves, "\(prompt)")
        #expect(reading.speed == speed, "\(prompt)")
        #expect(!reading.isDefault)
    }

    @Test func noMoveNamedGivesTheDefaultSlowPushIn() {
        let reading = CameraGrammar.read(prompt: "A cat sleeping on a windowsill")
        #expect(reading.isDefault)
        #expect(reading.moves == CameraGrammar.defaultMoves)
        #expect(reading.moves.first == .pushIn)
        #expect(reading.speed == .slow)
    }

    @Test func wordsInsideOtherWordsDoNotCount() {
        // "panorama", "company" and "trolley" hold "pan" and "roll" but name no move.
        #expect(CameraGrammar.read(prompt: "A panorama of the company trolley").isDefault)
    }

    @Test func negativePromptRemovesTheMovesItNames() {
        #expect(CameraGrammar.read(prompt: "handheld push in", negativePrompt: "shaky footage").moves == [.pushIn])
        #expect(CameraGrammar.read(prompt: "zoom in and pan left", negativePrompt: "zoom").moves == [.panLeft])
        #expect(CameraGrammar.read(prompt: "roll right", negativePrompt: "rotation").isDefault)
        // The default push-in is dropped too when zoom is unwanted: only the drift is left.
        #expect(CameraGrammar.read(prompt: "a quiet room", negativePrompt: "zoom, blur").moves == [.truckRight])
    }

    @Test func cfgScaleSetsTheStrength() {
        let subtle = CameraPlan.reading(prompt: "pan left", frameCount: 48, cfgScale: 0, aspect: 16.0 / 9)
        let full = CameraPlan.reading(prompt: "pan left", frameCount: 48, cfgScale: 1, aspect: 16.0 / 9)
        #expect(subtle.strength == 0.25)
        #expect(full.strength == 1)
        let subtleTravel = abs(subtle.view(at: 47).center.x - subtle.view(at: 0).center.x)
        let fullTravel = abs(full.view(at: 47).center.x - full.view(at: 0).center.x)
        #expect(fullTravel > 3.9 * subtleTravel && fullTravel < 4.1 * subtleTravel)
        #expect(full.view(at: 47).center.x < full.view(at: 0).center.x)  // left
    }
}
