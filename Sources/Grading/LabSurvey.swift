// Every lab under a labs folder, sorted into the valid ones and the invalid ones with all their
// problems: what `labs validate` reports, `labs list` marks, and `serve`/`demo` sync (only the
// valid labs are ever served). Valid means the lab.toml loads and lmlab has a reference for
// each of its components.
import Foundation

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
        for folder in try Self.labFolders(labsRoot: labsRoot) {
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

    /// Every folder under `labsRoot` that should be a lab, sorted by name: labs/ also holds the
    /// sandboxed harness and the students' Python client; every other folder must be a lab, so a
    /// lab.toml missing from one is reported, not skipped.
    static func labFolders(labsRoot: URL) throws -> [URL] {
        let supportFolders: Set<String> = ["harness", "client"]
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: labsRoot.path)
        } catch {
            throw LabError.unreadable(file: labsRoot.path, reason: error.localizedDescription)
        }
        return names.sorted().filter { !supportFolders.contains($0) && !$0.hasPrefix(".") }
            .map { labsRoot.appendingPathComponent($0, isDirectory: true) }
            .filter { folder in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }
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
