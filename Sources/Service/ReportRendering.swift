// Instructor reports printed for a terminal, as Markdown or as JSON: one lab across the class
// (histogram, pass rate per test, common mistakes, late and missing work), the class across
// labs, one student across labs, and a lab's leaderboard.
import Foundation
import Diagnosis
import Grading
import LabConfig
import Server
import Store

/// The lab report's JSON shape (scripts read it; keys are camelCase).
public struct LabReportJSON: Codable, Sendable, Equatable {
    public struct Bucket: Codable, Sendable, Equatable {
        public var fromPercent: Int
        public var toPercent: Int
        public var count: Int
    }
    public struct Test: Codable, Sendable, Equatable {
        public var name: String
        public var component: String?
        public var passed: Int
        public var total: Int
    }
    public struct Mistake: Codable, Sendable, Equatable {
        public var id: String
        public var title: String?
        public var students: Int
        public var occurrences: Int
    }

    public var lab: String
    public var title: String
    public var rosterSize: Int
    public var submitters: Int
    public var graded: Int
    public var histogram: [Bucket]
    public var tests: [Test]
    public var mistakes: [Mistake]
    public var late: Int
    public var missing: [String]

    public init(_ report: ClassReport, title: String) {
        lab = report.labID
        self.title = title
        rosterSize = report.rosterSize
        submitters = report.submitters
        graded = report.graded
        histogram = report.histogram.map {
            Bucket(fromPercent: $0.lowerPercent, toPercent: $0.upperPercent, count: $0.count)
        }
        tests = report.passRates.map {
            Test(name: $0.name, component: $0.component, passed: $0.passed, total: $0.total)
        }
        mistakes = report.diagnoses.map {
            Mistake(
                id: $0.diagnosis, title: catalogueMistake($0.diagnosis)?.title,
                students: $0.students, occurrences: $0.occurrences)
        }
        late = report.lateCount
        missing = report.missingStudents
    }
}

/// The score histogram as text bars, `width` characters for the largest bucket.
public func histogramLines(_ buckets: [ScoreBucket], width: Int = 30) -> [String] {
    let largest = buckets.map(\.count).max() ?? 0
    return buckets.map { bucket in
        let label = "\(bucket.lowerPercent)–\(bucket.upperPercent)%"
        let length =
            largest == 0 ? 0 : Int((Double(bucket.count) / Double(largest) * Double(width)).rounded())
        let bar = String(repeating: "█", count: bucket.count > 0 ? max(length, 1) : 0)
        let pad = String(repeating: " ", count: max(0, 8 - label.count))
        return "\(pad)\(label) │\(bar.isEmpty ? "" : " " + bar) \(bucket.count)"
    }
}

/// `lmlab report lab L`.
public func renderLabReport(_ report: ClassReport, title: String, format: OutputFormat) throws
    -> String
{
    if format == .json { return try jsonString(LabReportJSON(report, title: title)) }
    var out = format.heading("\(report.labID) — \(title): class report") + "\n"
    if format == .markdown { out += "\n" }
    out += "\(report.rosterSize) students on the roster · \(report.submitters) submitted · "
        + "\(report.graded) graded · \(report.lateCount) late · "
        + "\(report.missingStudents.count) missing\n\n"

    out += format.heading("Scores (each student's counted submission, after late penalty)", level: 2)
        + "\n"
    let bars = histogramLines(report.histogram)
    if format == .markdown {
        out += "\n```\n" + bars.joined(separator: "\n") + "\n```\n\n"
    } else {
        out += bars.joined(separator: "\n") + "\n\n"
    }

    out += format.heading("Pass rate per test", level: 2) + "\n"
    if format == .markdown { out += "\n" }
    if report.passRates.isEmpty {
        out += "no graded submissions yet\n\n"
    } else {
        var table = TextTable(
            ["test", "component", "passed", "rate"], alignments: [.left, .left, .right, .right])
        for rate in report.passRates {
            table.append([
                rate.name, rate.component ?? "", "\(rate.passed)/\(rate.total)",
                formatPercent(rate.rate),
            ])
        }
        out += table.render(format) { _, column, cell in
            guard column == 3, let percent = Int(cell.trimmingCharacters(in: .whitespaces)
                .dropLast())
            else { return nil }
            return format.paint(cell, percent >= 80 ? "32" : percent >= 50 ? "33" : "31")
        } + "\n"
    }

    out += format.heading("Most common mistakes", level: 2) + "\n"
    if format == .markdown { out += "\n" }
    if report.diagnoses.isEmpty {
        out += "none diagnosed\n\n"
    } else {
        var table = TextTable(
            ["mistake", "what", "students", "times"], alignments: [.left, .left, .right, .right])
        for diagnosis in report.diagnoses.prefix(10) {
            table.append([
                diagnosis.diagnosis, catalogueMistake(diagnosis.diagnosis)?.title ?? "",
                "\(diagnosis.students)", "\(diagnosis.occurrences)",
            ])
        }
        out += table.render(format) + "\n"
    }

    out += format.heading("Late and missing work", level: 2) + "\n"
    if format == .markdown { out += "\n" }
    out += "late (counted submission after the due date): \(report.lateCount)\n"
    if report.missingStudents.isEmpty {
        out += "missing: none\n"
    } else {
        out += "missing (\(report.missingStudents.count)): "
            + report.missingStudents.joined(separator: ", ") + "\n"
    }
    return out
}

/// `lmlab report class`: the live labs, then the retired ones (gone from labs/ at the last sync)
/// in a table of their own, so they are not read as current work.
public func renderClassOverview(_ rows: [ClassOverviewRow], rosterSize: Int, format: OutputFormat)
    throws -> String
{
    if format == .json { return try jsonString(rows) }
    let live = rows.filter { $0.retiredAt == nil }
    let retired = rows.filter { $0.retiredAt != nil }
    var out = format.heading("Class report: \(rosterSize) students, \(live.count) labs") + "\n"
    if format == .markdown { out += "\n" }
    out += overviewTable(live).render(format)
    guard !retired.isEmpty else { return out }
    out += "\n" + format.heading("Retired labs (no longer in labs/, closed to submissions)", level: 2) + "\n"
    if format == .markdown { out += "\n" }
    return out + overviewTable(retired).render(format)
}

private func overviewTable(_ rows: [ClassOverviewRow]) -> TextTable {
    var table = TextTable(
        ["lab", "title", "due", "submitted", "graded", "mean", "late", "missing"],
        alignments: [.left, .left, .left, .right, .right, .right, .right, .right])
    for row in rows {
        table.append([
            row.lab, row.title, row.due.map { $0.formatted(.iso8601.year().month().day()) } ?? "—",
            "\(row.submitters)", "\(row.graded)", row.meanFraction.map(formatPercent) ?? "—",
            "\(row.late)", "\(row.missing)",
        ])
    }
    return table
}

/// `lmlab report student S`.
public func renderStudentReport(_ report: StudentReport, format: OutputFormat) throws -> String {
    struct JSONShape: Encodable {
        struct Lab: Encodable {
            var lab: String
            var title: String
            var submissions: Int
            var latestStatus: String?
            var countedSubmission: Int64?
            var score: Double?
            var maxScore: Double?
            var late: Bool?
        }
        var student: String
        var name: String
        var pseudonym: String
        var labs: [Lab]
    }
    if format == .json {
        return try jsonString(
            JSONShape(
                student: report.student.id, name: report.student.name,
                pseudonym: report.student.pseudonym,
                labs: report.labs.map {
                    .init(
                        lab: $0.labID, title: $0.title, submissions: $0.submissions,
                        latestStatus: $0.latestStatus?.rawValue,
                        countedSubmission: $0.countedSubmissionID, score: $0.score,
                        maxScore: $0.maxScore, late: $0.late)
                }))
    }
    var out =
        format.heading(
            "\(report.student.name) (\(report.student.id), shown as \(report.student.pseudonym))")
        + "\n"
    if format == .markdown { out += "\n" }
    var table = TextTable(
        ["lab", "title", "submissions", "latest", "counted", "score", "late"],
        alignments: [.left, .left, .right, .left, .right, .right, .left])
    for lab in report.labs {
        let score: String
        if let value = lab.score, let max = lab.maxScore {
            score = "\(formatPoints(value))/\(formatPoints(max))"
        } else {
            score = "—"
        }
        table.append([
            lab.labID, lab.title, "\(lab.submissions)",
            lab.latestStatus?.rawValue ?? (lab.submissions == 0 ? "missing" : "—"),
            lab.countedSubmissionID.map { "#\($0)" } ?? "—", score,
            lab.late == true ? "late" : "",
        ])
    }
    return out + table.render(format)
}

/// `lmlab students list`: the roster with each person's role and whether a token was issued.
public func renderRoster(_ members: [RosterMember], format: OutputFormat) throws -> String {
    if format == .json { return try jsonString(members) }
    var table = TextTable(["id", "name", "email", "pseudonym", "role", "token"])
    for s in members {
        table.append([
            s.id, s.name, s.email ?? "", s.pseudonym, s.isInstructor ? "instructor" : "student",
            s.hasToken ? "issued" : "—",
        ])
    }
    return table.render(format)
}

/// `lmlab leaderboard L`.
public func renderLeaderboard(_ board: LabLeaderboard, format: OutputFormat) throws -> String {
    if format == .json { return try jsonString(board) }
    var out = format.heading("\(board.lab) leaderboard (\(board.counting) submission counts)") + "\n"
    if format == .markdown { out += "\n" }
    if board.rows.isEmpty { return out + "no graded submissions yet\n" }
    var table = TextTable(
        ["rank", "student", "score", "submitted"], alignments: [.right, .left, .right, .left])
    for row in board.rows {
        let score = "\(formatPoints(row.score))/\(formatPoints(row.maxScore))"
        table.append(["\(row.rank)", row.name, score, row.submittedAt])
    }
    return out + table.render(format)
}
