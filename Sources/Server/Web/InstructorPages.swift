// The instructor's pages (under /instructor): class overview, a lab, a student, runs, roster.
import Foundation
import Hummingbird
import Store

struct InstructorWebController<Context: RequestContext>: Sendable {
    let web: WebResponder

    func addRoutes(to router: Router<Context>) {
    }
}

enum InstructorTemplates {
    static let all: [String: String] = [:]
    static let css = ""
}
