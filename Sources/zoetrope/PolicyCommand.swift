import ArgumentParser
import Foundation
import ZoetropeCore
import ZoetropePolicy
import ZoetropeServer

/// `zoetrope policy add-image|list-images|remove-image|hash|check`: the content policy's image hash
/// list in the data directory's store, and a check of a text against a policy file.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Manage the content policy's image hash list; check a text against a policy.",
        subcommands: [AddImage.self, ListImages.self, RemoveImage.self, Hash.self, Check.self])

    struct AddImage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-image",
            abstract: "List an image: inputs that look like it (re-encoded, resized, lightly cropped or recoloured copies) are blocked.")
        @Argument(help: "The image file.") var file: String
        @Option(help: "The category blocked inputs are reported under.") var category: String
        @Option(help: "What to call it in listings (the file name when absent).") var label: String?
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let category = category.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !category.isEmpty else { throw ValidationError("--category must not be empty") }
            let url = URL(fileURLWithPath: file)
            let hashes: [PerceptualHash]
            do { hashes = try ImageFingerprint.listedHashes(of: url, field: url.lastPathComponent) } catch let error as RenderError {
                throw ValidationError(error.message)
            }
            let image = PolicyImage(
                hash: hashes.map(\.description).joined(separator: " "), category: category, label: label ?? url.lastPathComponent)
            try await KeysCommand.withStore(data) { try await $0.addPolicyImage(image) }
            print("listed \(image.label) as \(image.category): hash \(hashes[0]) (and \(hashes.count - 1) of its crops), id \(image.id)")
        }
    }

    struct ListImages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-images", abstract: "Print the image hash list.")
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            for image in try await KeysCommand.withStore(data, { try await $0.policyImages() }) {
                print("\(image.id)  \(image.hash.prefix(16))  \(image.category)  \(image.label)")
            }
        }
    }

    struct RemoveImage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-image", abstract: "Take an image off the hash list.")
        @Argument(help: "The listed image's id.") var id: String
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            guard try await KeysCommand.withStore(data, { try await $0.removePolicyImage(id: id) }) else {
                throw ValidationError("no listed image has the id '\(id)'")
            }
            print("removed \(id)")
        }
    }

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the perceptual hash of image files and, for each after the first, its distance in bits from the first as if the first were listed (the check `image_distance` bounds).")
        @Argument(help: "Image files.") var files: [String]

        func run() throws {
            var listed: [PerceptualHash] = []
            for file in files {
                let url = URL(fileURLWithPath: file)
                do {
                    let hash = try ImageFingerprint.hash(of: url, field: file)
                    let distance = listed.map { hash.distance(to: $0) }.min()
                    print("\(hash)  \(distance.map(String.init) ?? "-")  \(file)")
                    if listed.isEmpty { listed = try ImageFingerprint.listedHashes(of: url, field: file) }
                } catch let error as RenderError {
                    throw ValidationError(error.message)
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the categories a text matches (nothing when none), as a prompt is checked.")
        @Argument(help: "The text.") var text: String
        @Option(name: .customLong("content-policy"), help: "A policy file; the standard policy when absent.")
        var policyFile: String?

        func run() throws {
            let policy: ContentPolicy
            do {
                policy = try policyFile.map { try ContentPolicy.load(contentsOf: URL(fileURLWithPath: $0)) } ?? .standard
            } catch let error as PolicyFileError {
                throw ValidationError(error.description)
            }
            for hit in policy.matcher.hits(in: text) { print("\(hit.action.rawValue): \(hit.category)") }
        }
    }
}
