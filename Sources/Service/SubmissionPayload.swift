// What a path on the command line becomes when handed in: a .py file, a notebook (checked to be
// one), or a folder packed as a SubmissionBundle. Malformed input fails here, before the queue.
import Foundation
import Grading
import Server

public struct SubmissionPayload: Sendable, Equatable {
    public var filename: String
    public var content: Data
    /// Whether it is a packed folder (the HTTP API takes single files only).
    public var isBundle: Bool

    /// Reads `path`; a folder holding exactly one .py or .ipynb file is handed in as that file.
    public static func read(_ path: URL) throws -> SubmissionPayload {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw ServiceError.missingFile(path.path)
        }
        if isDirectory.boolValue {
            let entries = ((try? manager.contentsOfDirectory(atPath: path.path)) ?? [])
                .filter { !$0.hasPrefix(".") }
            let code = entries.filter { $0.hasSuffix(".py") || $0.hasSuffix(".ipynb") }
            if entries.count == 1, code.count == 1 {
                return try read(path.appendingPathComponent(code[0]))
            }
            do {
                let packed = try SubmissionBundle.pack(folder: path)
                return SubmissionPayload(
                    filename: packed.filename, content: packed.content, isBundle: true)
            } catch let error as LabGraderError {
                throw ServiceError.badSubmission(error.description)
            }
        }
        let name = path.lastPathComponent
        let ext = path.pathExtension.lowercased()
        guard ext == "py" || ext == "ipynb" else {
            throw ServiceError.badSubmission(
                "\(name) is neither a Python file (.py), a notebook (.ipynb) nor a folder;"
                    + " hand in your lab's module")
        }
        let content: Data
        do {
            content = try Data(contentsOf: path)
        } catch {
            throw ServiceError.missingFile(path.path)
        }
        guard !content.isEmpty else {
            throw ServiceError.badSubmission("\(name) is empty; save your work and try again")
        }
        if content.count > SubmissionBundle.maxBytes {
            throw ServiceError.badSubmission(
                "\(name) is \(content.count >> 10) KiB; submissions may be at most"
                    + " \(SubmissionBundle.maxBytes >> 10) KiB")
        }
        if ext == "ipynb" {
            do {
                _ = try Notebook.convert(content, fileName: name)
            } catch {
                throw ServiceError.badSubmission(
                    "\(name) is not a readable notebook: \(error). Re-save it from Jupyter or"
                        + " hand in a .py file")
            }
        } else if String(data: content, encoding: .utf8) == nil {
            throw ServiceError.badSubmission(
                "\(name) is not UTF-8 text; save it as UTF-8 (Python source must be)")
        }
        return SubmissionPayload(filename: name, content: content, isBundle: false)
    }
}
