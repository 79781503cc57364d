// A row of `test_results`: the outcome of one test case within one grade, with the diagnosed
// mistake (if any) that feedback and class reports are built from.
import Diagnosis
import Foundation
import GRDB

public enum TestStatus: String, Sendable, Codable, CaseIterable {
    case pass, fail, error, timeout, crash
}

public struct TestResultRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    /// Set by `LabStore.complete`.
    public var submissionID: Int64
    /// Set by `LabStore.complete`.
    public var gradeID: Int64
    public var name: String
    /// The part of the lab the test belongs to (e.g. "attention"), if the lab groups tests.
    public var component: String?
    public var points: Double
    public var maxPoints: Double
    public var status: TestStatus
    /// Who may see the result (the lab's visibility policy, e.g. "visible" or "hidden").
    public var visibility: String
    /// The id of the diagnosed mistake, if one matched.
    public var diagnosis: String?
    /// Whether the diagnosis only nearly matched (shown as a hint, not a verdict).
    public var diagnosisNearMiss: Bool
    public var message: String?
    public var maxAbsError: Double?
    public var maxRelError: Double?
    public var seconds: Double?
    /// Expected vs got on a few values of a failing array answer.
    public var slice: ValueSlice?
    /// A failing attention test's weights beside its diagnosed mistake's (the heatmaps).
    public var attention: AttentionFigure?

    /// A result as a worker reports it; `complete` fills in the submission and grade ids.
    public init(
        name: String, component: String? = nil, points: Double, maxPoints: Double,
        status: TestStatus, visibility: String = "visible", diagnosis: String? = nil,
        diagnosisNearMiss: Bool = false, message: String? = nil, maxAbsError: Double? = nil,
        maxRelError: Double? = nil, seconds: Double? = nil, slice: ValueSlice? = nil,
        attention: AttentionFigure? = nil
    ) {
        self.id = nil
        self.submissionID = 0
        self.gradeID = 0
        self.name = name
        self.component = component
        self.points = points
        self.maxPoints = maxPoints
        self.status = status
        self.visibility = visibility
        self.diagnosis = diagnosis
        self.diagnosisNearMiss = diagnosisNearMiss
        self.message = message
        self.maxAbsError = maxAbsError
        self.maxRelError = maxRelError
        self.seconds = seconds
        self.slice = slice
        self.attention = attention
    }

    enum CodingKeys: String, CodingKey {
        case id, name, component, points, status, visibility, diagnosis, message, seconds
        case slice, attention
        case submissionID = "submission_id"
        case gradeID = "grade_id"
        case maxPoints = "max_points"
        case diagnosisNearMiss = "diagnosis_near_miss"
        case maxAbsError = "max_abs_error"
        case maxRelError = "max_rel_error"
    }
}

extension TestStatus: DatabaseValueConvertible {}

extension TestResultRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "test_results"

    // Written out rather than derived from Codable for the error columns: SQLite turns a NaN
    // REAL into NULL, so a NaN error (a student's overflow) is stored as the text 'NaN' and read
    // back as NaN; ±inf, subnormals and huge values are REALs SQLite keeps as they are.
    public init(row: Row) throws {
        id = row[CodingKeys.id.stringValue]
        submissionID = row[CodingKeys.submissionID.stringValue]
        gradeID = row[CodingKeys.gradeID.stringValue]
        name = row[CodingKeys.name.stringValue]
        component = row[CodingKeys.component.stringValue]
        points = row[CodingKeys.points.stringValue]
        maxPoints = row[CodingKeys.maxPoints.stringValue]
        status = row[CodingKeys.status.stringValue]
        visibility = row[CodingKeys.visibility.stringValue]
        diagnosis = row[CodingKeys.diagnosis.stringValue]
        diagnosisNearMiss = row[CodingKeys.diagnosisNearMiss.stringValue]
        message = row[CodingKeys.message.stringValue]
        maxAbsError = Self.number(row[CodingKeys.maxAbsError.stringValue])
        maxRelError = Self.number(row[CodingKeys.maxRelError.stringValue])
        seconds = row[CodingKeys.seconds.stringValue]
        // A figure that no longer decodes (an older shape) is left out, never an error.
        slice = Self.decoded(ValueSlice.self, row[CodingKeys.slice.stringValue])
        attention = Self.decoded(AttentionFigure.self, row[CodingKeys.attention.stringValue])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[CodingKeys.id.stringValue] = id
        container[CodingKeys.submissionID.stringValue] = submissionID
        container[CodingKeys.gradeID.stringValue] = gradeID
        container[CodingKeys.name.stringValue] = name
        container[CodingKeys.component.stringValue] = component
        container[CodingKeys.points.stringValue] = points
        container[CodingKeys.maxPoints.stringValue] = maxPoints
        container[CodingKeys.status.stringValue] = status
        container[CodingKeys.visibility.stringValue] = visibility
        container[CodingKeys.diagnosis.stringValue] = diagnosis
        container[CodingKeys.diagnosisNearMiss.stringValue] = diagnosisNearMiss
        container[CodingKeys.message.stringValue] = message
        container[CodingKeys.maxAbsError.stringValue] = Self.stored(maxAbsError)
        container[CodingKeys.maxRelError.stringValue] = Self.stored(maxRelError)
        container[CodingKeys.seconds.stringValue] = seconds
        container[CodingKeys.slice.stringValue] = try Self.encoded(slice)
        container[CodingKeys.attention.stringValue] = try Self.encoded(attention)
    }

    /// A figure column's JSON: numbers as JSON numbers, NaN and ±inf (a student's overflow)
    /// as the strings "nan", "inf", "-inf".
    static func encoded<T: Encodable>(_ value: T?) throws -> String? {
        guard let value else { return nil }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decoded<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(T.self, from: Data(text.utf8))
    }

    /// How an error column holds `value`: a REAL, or 'NaN' for NaN.
    static func stored(_ value: Double?) -> DatabaseValue {
        guard let value else { return .null }
        return value.isNaN ? "NaN".databaseValue : value.databaseValue
    }

    /// The number an error column holds (see `stored`).
    static func number(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .double(let number): return number
        case .int64(let number): return Double(number)
        case .string(let text): return text == "NaN" ? .nan : Double(text)
        case .null, .blob: return nil
        }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
