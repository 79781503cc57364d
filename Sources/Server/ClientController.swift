// GET /client/lmlab_client.py: the Python client, fetched by a notebook from the daemon itself
// (`urllib.request.urlretrieve(SERVER + "/client/lmlab_client.py", "lmlab_client.py")`). No token:
// the file holds no secret, and a student fetches it before they have logged in. 503 when the
// daemon was started without one.
import Foundation
import Hummingbird

struct ClientController<Context: RequestContext>: Sendable {
    let script: URL?

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("lmlab_client.py", use: client)
    }

    @Sendable func client(_ request: Request, context: Context) async throws -> Response {
        guard let script, let data = FileManager.default.contents(atPath: script.path) else {
            throw ServerError.unavailable(
                "this daemon serves no Python client: ask your instructor, or pip-install"
                    + " labs/client from the course repository")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/x-python; charset=utf-8",
                .contentDisposition: "attachment; filename=\"lmlab_client.py\"",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
