// What each page shows, built from the same values the JSON API answers (SubmissionFeedback,
// the lab records), so a page never shows what the API would not: Grading's Viewer has already
// filtered every test and score before a page model is made.
import Diagnosis
import Foundation
import Grading
import Mustache
import Store

/// The signed-in person as the layout shows them (nil on the sign-in page).
struct SessionView {
    var name: String
    var csrf: String
    var instructor: Bool
}

struct SignInPage {
    var csrf: String
    var problem: String?
    var session: SessionView? = nil
}

struct LabsPage {
    struct Row {
        struct Link {
            var id: Int64
            var status: String
            var score: String?
        }

        var id: String
        var title: String
        /// "17 (19 tests, 5 visible)", or nil when the daemon cannot tell.
        var points: String?
        var due: String
        var lateDue: String?
        var retired: Bool
        var counted: Link?
        var latest: Link?
        var left: String
    }

    var session: SessionView?
    var labs: [Row]
}

struct SubmitPage {
    var session: SessionView?
    var lab: String
    var title: String
    var due: String
    var lateDue: String?
    /// "3 of 5" submissions left this hour, or nil without a limit.
    var left: String?
    var maxMiB: Int
    /// Why the lab takes no submissions now, or nil when it is open.
    var closed: String?
    var problem: String?
}

struct FeedbackPage {
    struct Group {
        struct Mistake {
            var id: String
            var title: String
            var hint: String
        }

        struct Test {
            var name: String
            var passed: Bool
            var points: String
            var message: String?
            /// Per head, the attention maps of a failing attention test (FeedbackFigure).
            var figures: [FeedbackFigure] = []
            /// What the maps leave out of a larger case, or nil.
            var figureNote: String? = nil
            /// Expected vs got on a few values.
            var slice: SliceView? = nil
        }

        var component: String
        var mistakes: [Mistake]
        var tests: [Test]
    }

    struct Verified {
        var scheme: String
        var perplexity: String
    }

    var session: SessionView?
    var id: Int64
    var lab: String
    var filename: String
    var submittedAt: String
    var status: String
    var late: Bool
    var penalty: String
    var score: String?
    var error: String?
    var pending: Bool
    var groups: [Group]
    var tally: String?
    var verifiedRuns: [Verified]
    var verification: String?

    /// The page of `feedback`: tests grouped by component in the order they were graded, each
    /// named mistake with its title and hint once per group.
    init(_ feedback: SubmissionFeedback, session: SessionView) {
        self.session = session
        id = feedback.id
        lab = feedback.lab
        filename = feedback.filename
        submittedAt = (try? Date(feedback.submittedAt, strategy: .iso8601))
            .map(webDate) ?? feedback.submittedAt
        status = feedback.status
        late = feedback.late
        penalty = formatNumber((feedback.penalty ?? 0) * 100) + " %"
        if let final = feedback.finalScore, let max = feedback.maxScore {
            score = "\(formatNumber(final))/\(formatNumber(max))"
        }
        error = feedback.error
        pending = !feedback.isFinished
        var groups: [Group] = []
        for test in feedback.tests {
            var row = Group.Test(
                name: test.name, passed: test.passed,
                points: "\(formatNumber(test.points))/\(formatNumber(test.maxPoints))",
                message: test.message)
            row.slice = test.slice.map(SliceView.init)
            if let figure = test.attention {
                row.figures = FeedbackFigure.heads(of: figure, mistake: test.mistake)
                row.figureNote = FeedbackFigure.note(figure)
            }
            let mistake = test.diagnosis.flatMap { id in
                test.mistake.map { Group.Mistake(id: id, title: $0, hint: test.hint ?? "") }
            }
            if let index = groups.firstIndex(where: { $0.component == test.component }) {
                groups[index].tests.append(row)
                if let mistake, !groups[index].mistakes.contains(where: { $0.id == mistake.id }) {
                    groups[index].mistakes.append(mistake)
                }
            } else {
                groups.append(Group(
                    component: test.component, mistakes: mistake.map { [$0] } ?? [], tests: [row]))
            }
        }
        self.groups = groups
        tally = [hiddenLine(feedback.tally), withheldLine(feedback.tally)].compactMap { $0 }
            .joined(separator: "; ").nonEmpty
        verifiedRuns = feedback.verifiedRuns.map {
            Verified(
                scheme: $0.scheme ?? $0.adapter ?? $0.kind ?? "run",
                perplexity: $0.perplexity.map { formatNumber($0) } ?? "not measured")
        }
        verification = feedback.verification
    }
}

/// Expected vs got on a small slice, as the feedback's table shows it.
struct SliceView {
    struct Cell {
        var column: Int
        var expected: String
        var got: String
        /// The element furthest outside the tolerance.
        var worst: Bool
    }

    /// "row [3], columns 0–7 of 20".
    var caption: String
    var cells: [Cell]

    init(_ slice: ValueSlice) {
        let end = slice.start + slice.expected.count - 1
        let row = slice.row.isEmpty ? "" : "row [\(slice.row.map(String.init).joined(separator: ", "))], "
        caption = "\(row)columns \(slice.start)–\(end) of \(slice.columns)"
        cells = slice.expected.indices.map { i in
            Cell(
                column: slice.start + i, expected: formatNumber(slice.expected[i]),
                got: formatNumber(slice.got[i]), worst: slice.start + i == slice.worst)
        }
    }
}

/// One head of a failing attention test as three SVG heatmaps lmlab draws from numbers: the
/// reference's weights, the diagnosed mistake's, and their difference.
struct FeedbackFigure {
    var head: Int
    var reference: String
    var mistake: String
    var difference: String

    static func heads(of figure: AttentionFigure, mistake title: String?) -> [FeedbackFigure] {
        let title = title ?? figure.mistakeID
        return figure.heads.enumerated().map { h, maps in
            let rows = maps.reference.indices.map { "query \($0)" }
            let columns = (maps.reference.first ?? []).indices.map { "key \($0)" }
            let difference = zip(maps.mistake, maps.reference).map { m, r in zip(m, r).map { $0 - $1 } }
            return FeedbackFigure(
                head: h,
                reference: attentionHeatmapSVG(
                    weights: maps.reference, rowLabels: rows, columnLabels: columns,
                    title: "Head \(h): the reference"),
                mistake: attentionHeatmapSVG(
                    weights: maps.mistake, rowLabels: rows, columnLabels: columns,
                    title: "Head \(h): \(title)"),
                difference: attentionHeatmapSVG(
                    weights: difference, rowLabels: rows, columnLabels: columns,
                    title: "Head \(h): mistake − reference", scale: .difference))
        }
    }

    /// "The maps show the first 16 of 32 queries and keys and 4 of 8 heads", or nil.
    static func note(_ figure: AttentionFigure) -> String? {
        let rows = figure.heads.first?.reference.count ?? 0
        let columns = figure.heads.first?.reference.first?.count ?? 0
        var parts: [String] = []
        if rows < figure.queries { parts.append("the first \(rows) of \(figure.queries) queries") }
        if columns < figure.keys { parts.append("the first \(columns) of \(figure.keys) keys") }
        if figure.heads.count < figure.headCount {
            parts.append("\(figure.heads.count) of \(figure.headCount) heads")
        }
        return parts.isEmpty ? nil : "The maps show " + parts.joined(separator: ", ") + "."
    }
}

struct ErrorPage {
    var session: SessionView?
    var heading: String
    var message: String
    var advice: String
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// The compiled templates (WebTemplates); built once per router.
struct WebRenderer: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in WebTemplates.registered {
            try library.register(text, named: name)
        }
        self.library = library
    }

    func render(_ page: Any, _ template: String) -> String {
        // Every name is one of WebTemplates.all, registered above.
        library.render(page, withTemplate: template) ?? ""
    }
}
