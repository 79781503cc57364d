// The upload page's form: multipart/form-data with the CSRF token and one file, parsed with
// MultipartKit. What a browser sends is untrusted: the body is read up to a limit, a part
// without a filename or a form without the file is refused with what to do.
import Foundation
import Hummingbird
import MultipartKit

struct UploadForm {
    var csrf: String?
    /// The file's name as the browser gave it (only its last path component).
    var filename: String?
    var content: Data?

    enum Problem: Error, Equatable {
        case notMultipart
        case tooLarge(limit: Int)
        case malformed
    }

    /// Reads the form of `request`, at most `limit` bytes of body.
    static func read(_ request: Request, limit: Int) async throws(Problem) -> UploadForm {
        guard let type = request.headers[.contentType],
            type.lowercased().hasPrefix("multipart/form-data"),
            let boundary = parameter("boundary", in: type)
        else { throw .notMultipart }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw .tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw .tooLarge(limit: limit)
        }
        return try parse(buffer, boundary: boundary)
    }

    static func parse(_ buffer: ByteBuffer, boundary: String) throws(Problem) -> UploadForm {
        final class Collector {
            var form = UploadForm()
            var headers: [(String, String)] = []
            var body = ByteBuffer()
        }
        let collector = Collector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.headers.append((name, value)) }
        parser.onBody = { chunk in collector.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            defer {
                collector.headers = []
                collector.body = ByteBuffer()
            }
            guard let disposition = collector.headers.first(where: {
                $0.0.lowercased() == "content-disposition"
            })?.1, let name = parameter("name", in: disposition)
            else { return }
            switch name {
            case "csrf":
                collector.form.csrf = String(buffer: collector.body)
            case "file":
                collector.form.filename = parameter("filename", in: disposition).map {
                    // Some browsers send the whole path; only the name is the file's.
                    String($0.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
                }
                collector.form.content = Data(collector.body.readableBytesView)
            default:
                return
            }
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw .malformed
        }
        return collector.form
    }

    /// The value of `name` in a header such as `form-data; name="file"; filename="a.py"`.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name
            else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
                    .replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "%22", with: "\"")
            }
            return value
        }
        return nil
    }
}
