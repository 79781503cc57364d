// The OpenAPI description against the router it describes: every route documented, nothing
// documented that does not exist, the parameters in each path declared, every reference
// resolving, and the auth it claims being the auth the daemon enforces.
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct OpenAPITests {
    static let methods = ["get", "post", "put", "patch", "delete"]

    func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(object as? [String: Any])
    }

    /// "GET /api/labs/{lab}/leaderboard" for every operation the document describes.
    func documentedRoutes() throws -> Set<String> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        var routes: Set<String> = []
        for (path, item) in paths {
            for method in Self.methods where item[method] != nil {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func documentsExactlyTheRoutesTheRouterServes() throws {
        // Given the daemon's router
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let router = buildRouter(testConfiguration(), store: fixture.store, workers: nil)
        // When its API routes are listed the way OpenAPI writes paths ({parameter}); the web
        // pages (HTML, WebPagesTests) are not part of the API
        let served = Set(router.routes.map { "\($0.method) \($0.path)" }.filter {
            $0.contains(" /api/") || $0.contains(" /client/")
        })
        let documented = try documentedRoutes()
        // Then each side has exactly the other's routes
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count >= 20)
    }

    @Test func everyPathParameterIsDeclaredAndEveryReferenceResolves() throws {
        let document = try document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let components = try #require(document["components"] as? [String: [String: Any]])
        func resolve(_ parameter: Any) -> [String: Any]? {
            guard let parameter = parameter as? [String: Any] else { return nil }
            guard let ref = parameter["$ref"] as? String else { return parameter }
            let name = ref.split(separator: "/").last.map(String.init) ?? ""
            return components["parameters"]?[name] as? [String: Any]
        }
        for (path, item) in paths {
            let placeholders = Set(
                path.split(separator: "/").filter { $0.hasPrefix("{") }
                    .map { String($0.dropFirst().dropLast()) })
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let parameters = (operation["parameters"] as? [Any] ?? []).compactMap(resolve)
                let inPath = Set(
                    parameters.filter { $0["in"] as? String == "path" }
                        .compactMap { $0["name"] as? String })
                #expect(inPath == placeholders, "\(method) \(path)")
                #expect(operation["responses"] is [String: Any], "\(method) \(path)")
            }
        }
        // Every "$ref" names something under components.
        var refs: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let ref = object["$ref"] as? String { refs.append(ref) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(!refs.isEmpty)
        for ref in refs {
            let parts = ref.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(ref)")
            if parts.count == 4 {
                #expect(components[parts[2]]?[parts[3]] != nil, "\(ref) does not resolve")
            }
        }
    }

    @Test func authIsWhatTheDocumentSays() async throws {
        // Given the document's operations, each either public (security: []) or bearer-only
        let document = try document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [(method: HTTPRequest.Method, uri: String, isPublic: Bool)] = []
        for (path, item) in paths {
            // A path parameter filled with a value that names nothing.
            let uri = path.replacingOccurrences(
                of: #"\{[^}]+\}"#, with: "nothing", options: .regularExpression)
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let security = operation["security"] as? [Any]
                let responses = operation["responses"] as? [String: Any] ?? [:]
                let isPublic = security?.isEmpty == true
                #expect(isPublic || responses["401"] != nil, "\(method) \(path) documents 401")
                operations.append(
                    (HTTPRequest.Method(rawValue: method.uppercased()) ?? .get, uri, isPublic))
            }
        }
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let calls = operations
        try await routerOnly(fixture).test(.router) { client in
            for operation in calls {
                // When each is called without a token
                let status = try await client.execute(uri: operation.uri, method: operation.method)
                { $0.status }
                // Then the bearer-only ones refuse it and the public ones do not ask for one
                if operation.isPublic {
                    #expect(status != .unauthorized, "\(operation.method) \(operation.uri)")
                } else {
                    #expect(status == .unauthorized, "\(operation.method) \(operation.uri)")
                }
            }
        }
    }

    /// Found by schemathesis: adding a student already on the roster is a 409 that the
    /// document did not list, and the body's `update` flag was missing from its schema.
    @Test func addingAStudentTwiceIsADocumentedConflict() async throws {
        let document = try document()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let add = try #require(paths["/api/students"]?["post"] as? [String: Any])
        #expect((add["responses"] as? [String: Any])?["409"] != nil)
        let components = try #require(document["components"] as? [String: [String: Any]])
        let schema = try #require(components["schemas"]?["NewStudent"] as? [String: Any])
        let documented = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
        let body = NewStudentBody(
            id: "hal", name: "Hal", email: "hal@example.org", instructor: true, update: true)
        let encoded = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as? [String: Any])
        #expect(Set(encoded.keys) == documented)

        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(
                uri: "/api/students", method: .post, headers: bearer(fixture.profToken),
                body: ByteBuffer(string: #"{"id":"alice","name":"Someone Else"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(errorMessage(response).contains("already on the roster"))
            }
        }
    }

    @Test func servedWithoutATokenAsJSON() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            try await client.execute(uri: "/api/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let object = try JSONSerialization.jsonObject(
                    with: Data(response.body.readableBytesView))
                let served = try #require(object as? [String: Any])
                #expect((served["openapi"] as? String)?.hasPrefix("3.0") == true)
                #expect((served["paths"] as? [String: Any])?["/api/submissions"] != nil)
            }
        }
    }
}
