import Foundation
import Testing
import ZoetropeStore

/// AWS's published Signature Version 4 examples for S3
/// (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html and sigv4-query-string-auth.html).
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    /// 2013-05-24T00:00:00Z
    let date = Date(timeIntervalSince1970: 1_369_353_600)

    func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "Authorization" }?.value
    }

    @Test func timestamp() {
        #expect(SigV4Signer.timestamp(date) == "20130524T000000Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_700_000_000.9)) == "20231114T221320Z")
    }

    @Test func presignedGetExample() {
        let url = signer.presignedURL(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!, expires: 86400, date: date)
        #expect(
            url
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        )
    }

    @Test func getObjectWithRangeExample() {
        let headers = signer.signedHeaders(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!,
            headers: [("Range", "bytes=0-9")], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(
            authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(headers.contains { $0.name == "x-amz-date" && $0.value == "20130524T000000Z" })
        #expect(headers.contains { $0.name == "x-amz-content-sha256" && $0.value == SigV4Signer.emptyPayloadHash })
        #expect(!headers.contains { $0.name == "x-amz-security-token" })
    }

    @Test func putObjectExample() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.sha256Hex(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        // The key is `test$file.text`; `$` is percent-encoded in the canonical URI.
        let headers = signer.signedHeaders(
            method: "PUT", url: URL(string: "https://examplebucket.s3.amazonaws.com/test$file.text")!,
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: hash, date: date)
        #expect(
            authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        )
    }

    @Test func getBucketLifecycleExample() {
        let headers = signer.signedHeaders(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/?lifecycle")!,
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(authorization(headers)?.hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
    }

    @Test func listObjectsExample() {
        let headers = signer.signedHeaders(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J")!,
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(authorization(headers)?.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test func sessionTokenIsSignedAndAdded() {
        var withToken = signer
        withToken.sessionToken = "token/with+chars="
        let url = URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!
        let headers = withToken.signedHeaders(method: "GET", url: url, payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(headers.contains { $0.name == "x-amz-security-token" && $0.value == "token/with+chars=" })
        #expect(authorization(headers)?.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") == true)
        let presigned = withToken.presignedURL(method: "GET", url: url, expires: 60, date: date)
        #expect(presigned.contains("&X-Amz-Security-Token=token%2Fwith%2Bchars%3D&"))
    }

    @Test func expiryIsClamped() {
        let url = URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!
        #expect(signer.presignedURL(method: "GET", url: url, expires: 10_000_000, date: date).contains("X-Amz-Expires=604800&"))
        #expect(signer.presignedURL(method: "GET", url: url, expires: 0, date: date).contains("X-Amz-Expires=1&"))
    }

    @Test func canonicalURIEncodesEachSegmentOnce() {
        #expect(SigV4Signer.canonicalURI(URL(string: "https://h")!) == "/")
        #expect(SigV4Signer.canonicalURI(URL(string: "https://h/")!) == "/")
        #expect(SigV4Signer.canonicalURI(URL(string: "https://h/b/a%20b/c~d_e.f-g")!) == "/b/a%20b/c~d_e.f-g")
        // Already-encoded bytes are not encoded a second time; reserved characters are.
        #expect(SigV4Signer.canonicalURI(URL(string: "https://h/x%2Ay/p+q=r")!) == "/x%2Ay/p%2Bq%3Dr")
        #expect(SigV4Signer.encode("é/ü", keepSlash: true) == "%C3%A9/%C3%BC")
        #expect(SigV4Signer.encode("a/b") == "a%2Fb")
    }

    @Test func canonicalQuerySortsAndEncodes() {
        #expect(SigV4Signer.canonicalQuery([("prefix", "J"), ("max-keys", "2"), ("a b", "c/d"), ("a", "2"), ("a", "1")])
            == "a=1&a=2&a%20b=c%2Fd&max-keys=2&prefix=J")
    }

    @Test func hostHeaderKeepsOnlyNonDefaultPorts() {
        #expect(SigV4Signer.hostHeader(URL(string: "http://127.0.0.1:9000/x")!) == "127.0.0.1:9000")
        #expect(SigV4Signer.hostHeader(URL(string: "http://minio:80/x")!) == "minio")
        #expect(SigV4Signer.hostHeader(URL(string: "https://s3.amazonaws.com:443/x")!) == "s3.amazonaws.com")
        #expect(SigV4Signer.hostHeader(URL(string: "https://s3.amazonaws.com:8443/x")!) == "s3.amazonaws.com:8443")
    }
}
