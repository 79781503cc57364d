// Every lab under a labs folder, sorted into the valid ones and the invalid ones with all their
// problems: what `labs validate` reports, `labs list` marks, and `serve`/`demo` sync (only the
// valid labs are ever served). Valid means the lab.toml loads and lmlab has a reference for
// each of its components.
import Foundation
import Diagnosis
import LabConfig

/// A lab folder that does not validate, and every problem found in it.
public struct InvalidLab: Sendable, Equatable {
    /// The folder's name (a lab's id when it is valid).
    public var id: String
    public var problems: [LabProblem]
}

public struct LabSurvey: Sendable {
    /// The labs that validate, sorted by id.
    public var labs: [Lab]
    /// The ones that do not, sorted by id, each with every problem found.
    public var invalid: [InvalidLab]

    /// Surveys every lab folder under `labsRoot` (skipping `harness`, `client` and hidden
    /// folders); throws only when the folder itself cannot be read.
    public init(labsRoot: URL) throws {
        labs = []
        invalid = []
        for folder in try LabsFolder.labFolders(labsRoot: labsRoot) {
            let name = folder.lastPathComponent
            do {
                let lab = try Lab.load(folder: folder)
                let problems = Self.referenceProblems(lab, file: folder.appendingPathComponent(
                    Lab.fileName).path)
                if problems.isEmpty {
                    labs.append(lab)
                } else {
                    invalid.append(InvalidLab(id: name, problems: problems))
                }
            } catch let error as LabError {
                invalid.append(InvalidLab(id: name, problems: error.problems))
            }
        }
        labs.sort { $0.id < $1.id }
    }

    /// A component lmlab has no reference for cannot be graded.
    static func referenceProblems(_ lab: Lab, file: String) -> [LabProblem] {
        lab.components.enumerated().compactMap { index, component in
            guard !referenceComponentNames.contains(component.name), !lab.servedByPython(component.name)
            else { return nil }
            return LabProblem(
                file: file, keyPath: "components[\(index)].name",
                message: GradingError.noReference(component: component.name, lab: lab.id)
                    .description)
        }
    }

    /// Every problem of every invalid lab, one per line.
    public var report: String {
        invalid.flatMap { lab in lab.problems.map { "\(lab.id): \($0)" } }.joined(separator: "\n")
    }
}

extension Lab {
    /// Components with neither a built-in reference nor a reference.py function named for them.
    public var componentsWithoutReference: [String] {
        components.map(\.name).filter { references[$0] == nil && !servedByPython($0) }
    }
}
