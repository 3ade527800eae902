import Foundation

/// The queue's operations on top of a `JobStore`: submitting (with inline inputs saved beside the
/// job before it is committed), and the input files' life cycle.
public struct JobQueue: Sendable {
    public let store: any JobStore
    /// Root directory of per-job input files.
    public let inputsRoot: URL
    /// How many times a job may be leased before an expired lease ends it FAILED.
    public let maxAttempts: Int

    public init(store: any JobStore, inputsRoot: URL, maxAttempts: Int = 3) {
        self.store = store
        self.inputsRoot = inputsRoot
        self.maxAttempts = maxAttempts
    }

    public func inputDirectory(for jobID: String) -> URL {
        inputsRoot.appendingPathComponent(jobID, isDirectory: true)
    }

    /// Saves inline inputs (images, voice samples) as files, then commits the job. Nothing is left behind if either fails.
    public func submit(model: String, request: JobRequest, apiKeyID: String, now: Date = Date()) async throws -> Job {
        var job = Job(apiKeyID: apiKeyID, model: model, request: request, maxAttempts: maxAttempts, createdAt: now)
        let directory = inputDirectory(for: job.id)
        do {
            job.request = try storeInlineInputs(of: request, in: directory)
            try await store.insert(job)
        } catch {
            removeInputs(of: job.id)
            throw error
        }
        return job
    }

    public func removeInputs(of jobID: String) {
        try? FileManager.default.removeItem(at: inputDirectory(for: jobID))
    }

    private func storeInlineInputs(of request: JobRequest, in directory: URL) throws -> JobRequest {
        var counter = 0
        func store(_ input: MediaInput) throws -> MediaInput {
            guard case .inline(let data) = input else { return input }
            if counter == 0 {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            }
            counter += 1
            let name = "input-\(counter).bin"
            try data.write(to: directory.appendingPathComponent(name), options: .atomic)
            return .stored(name)
        }
        switch request {
        case .video(var video):
            video.startImage = try store(video.startImage)
            video.endImage = try video.endImage.map(store)
            video.elements = try video.elements.map { element in
                GenerationRequest.Element(
                    frontalImage: try element.frontalImage.map(store),
                    referenceImages: try element.referenceImages.map(store))
            }
            return .video(video)
        case .voice(var voice):
            voice.sample = try store(voice.sample)
            return .voice(voice)
        }
    }
}
