// GET /api/openapi.json: the API's description (OpenAPIDocument), no token needed, so tools such
// as schemathesis or Swagger UI can read it from a running daemon.
import Hummingbird

struct OpenAPIController<Context: RequestContext>: Sendable {
    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: document)
    }

    @Sendable func document(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }
}
