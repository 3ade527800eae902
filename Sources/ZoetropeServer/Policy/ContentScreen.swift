import Foundation
import Logging
import ZoetropeCore
import ZoetropeMedia
import ZoetropePolicy

/// Checks one job against the content policy, before any engine sees it: the texts that ask for
/// content (`prompt`, `multi_prompt[].prompt`, `voice_name`; not `negative_prompt`) against the
/// policy's terms; when images are checked (an image hash list, or a moderation service), each
/// input image's perceptual hash against the list, remote inputs fetched once here and stored
/// beside the job so that no engine fetches them again; then the moderation service, if any.
struct ContentScreen: Sendable {
    let book: PolicyBook
    let hashList: any PolicyStore
    let queue: JobQueue
    let fetcher: InputFetcher
    let moderation: ModerationClient?
    let moderationFailOpen: Bool
    /// Scratch space for the images being hashed.
    let workDirectory: URL
    let logger: Logger
    /// How long the signed links the moderation service receives stay valid.
    static let linkLifetime: TimeInterval = 600

    func screen(_ job: Job) async throws -> ScreenVerdict {
        let current = book.current
        let texts = Self.texts(of: job.request)
        var flags: [PolicyHit] = []
        for (field, text) in texts {
            for hit in current.matcher.hits(in: text) {
                let policyHit = PolicyHit(category: hit.category, source: .terms, field: field)
                if hit.action == .block { return .block(policyHit) }
                flags.append(policyHit)
            }
        }
        guard case .video(let video) = job.request, !video.imageInputs.isEmpty else {
            return try await moderate(job, texts: texts, images: [], request: nil, flags: flags)
        }
        let listed = try await hashList.policyImages().flatMap { image in
            image.hash.split(separator: " ").compactMap { PerceptualHash(hex: String($0)) }
                .map { (hash: $0, category: image.category) }
        }
        guard !listed.isEmpty || moderation != nil else { return .pass(request: nil, flags: flags) }

        let directory = workDirectory.appendingPathComponent("screen-\(job.id)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var stored: [String: String] = [:]  // field → stored name
        for (index, (field, input)) in video.imageInputs.enumerated() {
            let file = directory.appendingPathComponent("image-\(index)")
            do {
                switch input {
                case .stored(let name):
                    try await queue.blobs.download(key: BlobKey.input(jobID: job.id, name: name), to: file)
                    stored[field] = name
                case .remote(let url):
                    let data = try await fetcher.fetch(url, field: field)
                    let name = Self.fetchedInputName(index)
                    try await queue.blobs.put(data, key: BlobKey.input(jobID: job.id, name: name))
                    try data.write(to: file)
                    stored[field] = name
                case .inline(let data):
                    try data.write(to: file)
                }
                guard !listed.isEmpty else { continue }
                let hash = try await ProcessRunner.onDedicatedThread {
                    try ImageFingerprint.hash(of: file, field: field)
                }
                if let match = listed.min(by: { hash.distance(to: $0.hash) < hash.distance(to: $1.hash) }),
                    hash.distance(to: match.hash) <= current.policy.imageDistance
                {
                    return .block(PolicyHit(category: match.category, source: .image, field: field))
                }
            } catch let error as RenderError {
                return .unusable(error.message)
            } catch is BlobNotFound {
                return .unusable("\(field): the request's input is no longer stored")
            }
        }
        let request = JobRequest.video(video.mappingImageInputs { field, input in
            stored[field].map(MediaInput.stored) ?? input
        })
        let links = video.imageInputs.compactMap { field, _ in
            stored[field].map { name in
                (field, queue.blobs.signedURL(
                    key: BlobKey.input(jobID: job.id, name: name), expires: Date().addingTimeInterval(Self.linkLifetime)))
            }
        }
        return try await moderate(
            job, texts: texts, images: links, request: request == job.request ? nil : request, flags: flags)
    }

    /// Asks the moderation service, when there is one.
    private func moderate(
        _ job: Job, texts: [(String, String)], images: [(String, String)], request: JobRequest?, flags: [PolicyHit]
    ) async throws -> ScreenVerdict {
        guard let moderation else { return .pass(request: request, flags: flags) }
        let parts = texts.map { ModerationClient.Part.text($1, field: $0) }
            + images.map { ModerationClient.Part.image(url: $1, field: $0) }
        do {
            if let (category, field) = try await moderation.check(parts) {
                return .block(PolicyHit(category: category, source: .moderation, field: field))
            }
        } catch let error as ModerationUnavailable {
            logger.warning("request \(job.id): \(error)\(moderationFailOpen ? "; running it (--moderation-fail-open)" : "")")
            if !moderationFailOpen {
                return .block(PolicyHit(category: "moderation unavailable", source: .moderation, field: ""))
            }
        }
        return .pass(request: request, flags: flags)
    }

    /// The name a remote input fetched by the screen is stored under, by its place in `imageInputs`.
    static func fetchedInputName(_ index: Int) -> String { "screened-\(index + 1).bin" }

    /// Deletes the inputs a screen of `job` stored (for a job that will not run).
    func removeFetchedInputs(of job: Job) async {
        for index in (job.request.video?.imageInputs ?? []).indices {
            try? await queue.blobs.delete(key: BlobKey.input(jobID: job.id, name: Self.fetchedInputName(index)))
        }
    }

    /// The fields that ask for content, with their text.
    static func texts(of request: JobRequest) -> [(field: String, text: String)] {
        switch request {
        case .video(let video):
            var texts: [(String, String)] = []
            if let prompt = video.prompt, !prompt.isEmpty { texts.append(("prompt", prompt)) }
            for (index, shot) in video.multiPrompt.enumerated() {
                texts.append(("multi_prompt[\(index)].prompt", shot.prompt))
            }
            return texts
        case .voice(let voice):
            return [("voice_name", voice.name)]
        }
    }
}
