// Finds the student behind a request's bearer token; the store keeps only the token's hash.
import Hummingbird
import Store

struct Authenticator: Sendable {
    let store: LabStore

    /// The student (or instructor) whose token the request carries; 401 otherwise.
    func student(for request: Request) throws -> StudentRecord {
        guard let header = request.headers[.authorization] else { throw ServerError.missingToken }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ServerError.missingToken
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let student = try store.student(forToken: token) else {
            throw ServerError.badToken
        }
        return student
    }

    /// The instructor whose token the request carries: 401 without a known token, 403 for a
    /// student's token. `what` names the endpoint in the 403 message.
    func instructor(for request: Request, _ what: String) throws -> StudentRecord {
        let person = try student(for: request)
        guard person.isInstructor else { throw ServerError.notInstructor(what) }
        return person
    }
}
