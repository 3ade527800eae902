import HTTPTypes

/// The headers that keep a browser from misusing the server's answers: no answer may be
/// content-sniffed, framed, or send a referrer onwards; HTML answers (the playground, which holds
/// the user's API key in local storage) also carry a strict Content-Security-Policy.
enum BrowserHeaders {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!

    /// Sent with every answer.
    static let everyAnswer: HTTPFields = [
        .xContentTypeOptions: "nosniff",
        referrerPolicy: "no-referrer",
        frameOptions: "DENY",
    ]

    /// The policy of every HTML answer. Scripts, styles and API calls are this origin's only:
    /// the playground's script and styles are files of their own (no inline script, style
    /// attribute, `eval` or inline handler), and it calls the API on its own origin, so the key it
    /// holds cannot be sent elsewhere nor read by a page that frames it (`frame-ancestors`).
    /// Images and media may come from anywhere, and as `data:` and `blob:` URLs: the page previews
    /// the image or audio a user picks (a `blob:` URL) or pastes a link to (any http(s) origin, the
    /// same input the server will fetch), and plays the result from wherever the blob store serves
    /// it (an S3 bucket is another origin). Images and media cannot run script, so this does not
    /// weaken what protects the key.
    static let contentSecurityPolicy = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data: blob: https: http:",
        "media-src 'self' data: blob: https: http:",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// `fields` with the browser headers that are missing from it added.
    static func adding(to fields: HTTPFields) -> HTTPFields {
        var fields = fields
        for field in everyAnswer where fields[field.name] == nil { fields.append(field) }
        if fields[.contentType]?.lowercased().hasPrefix("text/html") == true, fields[.contentSecurityPolicy] == nil {
            fields[.contentSecurityPolicy] = contentSecurityPolicy
        }
        return fields
    }
}
