import HTTPTypes
import Hummingbird
import ZoetropeCore

// The domain's refusals carry what is wrong; the status each is answered with is chosen here.

extension InvalidRequest: HTTPResponseError {
    /// 400: the request, or the field it names, cannot be accepted.
    public var status: HTTPResponse.Status { .badRequest }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(APIError(status: status, message: message))
    }
}

extension InsufficientCredits: HTTPResponseError {
    /// 406, as Segmind answers a balance short of the price.
    public var status: HTTPResponse.Status { .notAcceptable }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(APIError(status: status, message: message))
    }
}

extension IdempotencyConflict: HTTPResponseError {
    /// 409: the key stands for another request.
    public var status: HTTPResponse.Status { .conflict }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(APIError(status: status, message: message))
    }
}

extension StoreUnavailable: HTTPResponseError {
    /// 503 with `Retry-After`: the database or storage cannot take the request now; nothing was changed.
    public var status: HTTPResponse.Status { .serviceUnavailable }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(APIError(status: status, message: message, headers: ["Retry-After": String(retryAfter)]))
    }
}
