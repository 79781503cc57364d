// Instructor-authored components: a lab folder may hold reference.py (the reference solution of
// the components lab.toml's [python] table names) and mistakes.py (catalogued mistakes, for
// those components or for built-in ones). Read from lab.toml here; run by InstructorCode.swift.
import Foundation

/// lab.toml's `[python]` table.
public struct LabPython: Sendable, Equatable {
    /// The reference solution's file in the lab folder, e.g. "reference.py".
    public var reference: String?
    /// The mistakes' file in the lab folder, e.g. "mistakes.py".
    public var mistakes: String?
    /// The components whose reference is `reference`'s function of the same name.
    public var components: [String]

    public init(reference: String? = nil, mistakes: String? = nil, components: [String] = []) {
        self.reference = reference
        self.mistakes = mistakes
        self.components = components
    }

    public static let defaultReference = "reference.py"
    public static let defaultMistakes = "mistakes.py"
}

extension Lab {
    /// Whether the instructor's reference.py computes this component's expected values.
    public func servedByPython(_ component: String) -> Bool {
        python?.components.contains(component) ?? false
    }
}

extension LabReader {
    static let pythonKeys: Set<String> = ["reference", "mistakes", "components"]

    /// `[python]`: reference (default reference.py when components are named), mistakes, and
    /// the components the reference serves (each declared in [[components]]).
    mutating func readPython(_ node: TOMLNode, components: [LabComponent]) -> LabPython? {
        guard case .table(let table) = node else {
            problem("python", "must be a table ([python]), not \(node.kindName)")
            return nil
        }
        checkKeys(table, allowed: Self.pythonKeys, at: "python")
        let served = stringArray(table, "components", at: "python", required: false) ?? []
        let declared = Set(components.map(\.name))
        for name in served where !declared.contains(name) {
            problem("python.components",
                    "names \"\(name)\", which is not a [[components]] entry; declare it there "
                        + "(name, args, returns, tolerances) or remove it here")
        }
        var reference = string(table, "reference", at: "python", required: false)
        if reference == nil && !served.isEmpty { reference = LabPython.defaultReference }
        let mistakes = string(table, "mistakes", at: "python", required: false)
        for (key, file) in [("reference", reference), ("mistakes", mistakes)] {
            guard let file else { continue }
            if !file.hasSuffix(".py") || file.contains("/") {
                problem("python.\(key)", "is \"\(file)\"; name a .py file in the lab folder")
            } else {
                checkFileExists(file, at: "python.\(key)")
            }
        }
        if reference != nil && served.isEmpty {
            problem("python.components",
                    "is missing: name the components reference.py computes the expected values of")
        }
        return LabPython(reference: reference, mistakes: mistakes, components: served)
    }
}
