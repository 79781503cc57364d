// The lecture's topics as pages (under /lecture): behind the pipeline, the attention explorer,
// model sizes.
import Foundation
import Hummingbird
import Store

struct LectureWebController<Context: RequestContext>: Sendable {
    let web: WebResponder

    func addRoutes(to router: Router<Context>) {
    }
}

enum LectureTemplates {
    static let all: [String: String] = [:]
    static let css = ""
}
