// What a submission must be before it is queued, over HTTP or from the drop folder: a plain
// file name of an accepted kind, and content that is what the name says.
import Foundation
import Harness

public enum SubmissionCheck {
    /// File kinds a student may hand in: Python modules and notebooks.
    static var acceptedExtensions: Set<String> { ["py", "ipynb"] }

    /// A plain file name with an accepted extension (or a packed folder's
    /// `<name>.lmlab-folder.json`): no folders, nothing hidden.
    static func filename(_ filename: String) throws {
        let allowed = acceptedExtensions.sorted().map { ".\($0)" }.joined(separator: " or ")
        let ext = filename.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        guard !filename.isEmpty, filename.utf8.count <= SubmissionBundle.maxNameBytes,
            !filename.hasPrefix("."), !filename.contains("/"), !filename.contains("\\"),
            !filename.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ServerError.badRequest(
                "bad filename \(String(reflecting: filename)): give a plain file name such as"
                    + " attention.py, at most \(SubmissionBundle.maxNameBytes) bytes, without control"
                    + " characters")
        }
        guard filename.contains("."),
            acceptedExtensions.contains(ext) || SubmissionBundle.isBundle(filename: filename)
        else {
            throw ServerError.badRequest(
                "bad filename '\(filename)': submissions must be \(allowed) files or a folder"
                    + " packed by `lmlab submit` (name\(SubmissionBundle.filenameSuffix))")
        }
    }

    /// What is handed in must be what its name says, checked before it is queued: a `.py` is
    /// UTF-8 text, an `.ipynb` a notebook (JSON with cells), a folder bundle decodes and
    /// validates in memory (SubmissionBundle.validate: the rules unpacking relies on), so a
    /// malformed one is refused with the reason instead of failing later in the grader.
    static func content(_ content: Data, filename: String) throws {
        if SubmissionBundle.isBundle(filename: filename) {
            do {
                try SubmissionBundle.decode(content, filename: filename).validate()
            } catch let error as LabGraderError {
                throw ServerError.badRequest(
                    "malformed folder submission: \(error.description); pack the folder with"
                        + " `lmlab submit <folder>`")
            }
            return
        }
        if let problem = problem(content, filename: filename) {
            throw ServerError.badRequest(problem)
        }
    }

    /// Why a `.py` or `.ipynb` file is not what its name says, or nil: the one rule the daemon
    /// and `lmlab submit` share.
    public static func problem(_ content: Data, filename: String) -> String? {
        switch filename.split(separator: ".").last?.lowercased() {
        case "py":
            guard String(validating: content, as: UTF8.self) != nil else {
                return "\(filename) is not UTF-8 text; save it as UTF-8 (Python source must be)"
            }
        case "ipynb":
            do {
                _ = try Notebook.convert(content, fileName: filename)
            } catch {
                return "\(filename) is not a readable notebook: \(error). Re-save it from Jupyter"
                    + " or hand in a .py file"
            }
        default:
            break
        }
        return nil
    }
}
