import AsyncHTTPClient
import Foundation
import ZoetropeCore
import ZoetropeStore

/// Where inputs and outputs live, from `--blob-url`: the gateway's `outputs` directory (served
/// at `/files/…`), or an S3-compatible bucket (`s3://bucket/prefix`, with the endpoint and
/// credentials from the environment) that every gateway and worker shares.
enum BlobLocation {
    case local(LocalBlobStore)
    case s3(S3BlobStore)

    var store: any BlobStore {
        switch self {
        case .local(let store): store
        case .s3(let store): store
        }
    }

    static func open(_ configuration: ServerConfiguration, httpClient: HTTPClient, publicURL: PublicURL) throws -> BlobLocation {
        guard let s3 = try configuration.s3Configuration() else {
            let store = try LocalBlobStore(
                root: configuration.outputsDirectory,
                signer: try URLSigner.loadOrCreate(secretFile: configuration.signingKeyFile),
                publicBase: { publicURL.current })
            store.removeStalePartials()
            return .local(store)
        }
        return .s3(S3BlobStore(
            configuration: s3, httpClient: httpClient,
            scratchDirectory: configuration.workDirectory.appendingPathComponent("uploads", isDirectory: true),
            requestTimeout: configuration.blobTimeout))
    }
}
