// How large a filter may be: its text, how deep its parentheses and NOTs nest, how many
// comparisons, distinct fields and literals it holds. A filter comes from a student over HTTP,
// so these bound the parser's recursion (a deep nesting would overflow the stack) and the SQL it
// becomes (SQLite joins at most 64 tables and nests expressions at most 1000 deep).
public struct FilterLimits: Sendable, Equatable {
    public var maxLength: Int
    /// Parentheses and NOTs, each one level.
    public var maxDepth: Int
    public var maxComparisons: Int
    /// Distinct metrics, params and tags: each is one joined table.
    public var maxFields: Int
    /// Literals in all comparisons and IN lists together: each is one bound SQL argument.
    public var maxValues: Int

    /// Fields an ordering may name: with a filter's fields they stay under SQLite's 64 joins.
    public static let maxOrderings = 16

    /// What a caller's filter may use.
    public static let standard = FilterLimits(
        maxLength: 10_000, maxDepth: 32, maxComparisons: 100, maxFields: 32, maxValues: 1_000)

    /// A caller's filter with one condition added around it (the daemon's
    /// `(filter) AND attributes.student = '…'`): one level, comparison, field and value more.
    public static let scoped = FilterLimits(
        maxLength: standard.maxLength + 1_000, maxDepth: standard.maxDepth + 1,
        maxComparisons: standard.maxComparisons + 1, maxFields: standard.maxFields + 1,
        maxValues: standard.maxValues + 1)
}
