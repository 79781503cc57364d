// A row of `params`: a run's hyper-parameter, a string that never changes once set.
import Foundation
import GRDB

public struct ParamRecord: Sendable, Equatable, Codable {
    public var runPK: Int64
    public var key: String
    public var value: String
    /// `value` as a number when it parses as a finite one, so filters compare numerically.
    public var num: Double?

    public init(runPK: Int64, key: String, value: String) {
        self.runPK = runPK
        self.key = key
        self.value = value
        self.num = ParamRecord.number(value)
    }

    /// The number a parameter value stands for, if it is one ("8", "3e-4", " 0.5 " → nil).
    public static func number(_ text: String) -> Double? {
        guard let first = text.first, first.isNumber || first == "-" || first == "+"
            || first == "."
        else { return nil }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    enum CodingKeys: String, CodingKey {
        case key, value, num
        case runPK = "run_pk"
    }
}

extension ParamRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "params"
}
