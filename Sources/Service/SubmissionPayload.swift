// What a path on the command line becomes when handed in: a .py file, a notebook (checked to be
// one), or a folder packed as a SubmissionBundle. Malformed input fails here, before the queue.
import Foundation
import Server

public struct SubmissionPayload: Sendable, Equatable {
    public var filename: String
    public var content: Data
    /// Whether it is a packed folder (`<folder>.lmlab-folder.json`).
    public var isBundle: Bool

    /// Reads `path`; a folder holding exactly one .py or .ipynb file (caches such as
    /// `__pycache__` and hidden files aside) is handed in as that file.
    public static func read(_ path: URL) throws -> SubmissionPayload {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw ServiceError.missingFile(path.path)
        }
        if isDirectory.boolValue {
            // Packing walks the folder as the grader will see it (the bundle's skipped names
            // left out), so what counts as "one file" is decided by the same rule.
            let packed: (filename: String, content: Data)
            let files: [String]
            do {
                packed = try SubmissionBundle.pack(folder: path)
                files = try SubmissionBundle.decode(packed.content, filename: packed.filename)
                    .files.map(\.path)
                    .filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
            } catch let error as LabGraderError {
                throw ServiceError.badSubmission(error.description)
            }
            if files.count == 1, !files[0].contains("/"),
                files[0].hasSuffix(".py") || files[0].hasSuffix(".ipynb")
            {
                return try read(path.appendingPathComponent(files[0]))
            }
            return SubmissionPayload(
                filename: packed.filename, content: packed.content, isBundle: true)
        }
        let name = path.lastPathComponent
        let ext = path.pathExtension.lowercased()
        guard ext == "py" || ext == "ipynb" else {
            if ext == "safetensors" || name == "adapter_config.json" {
                throw ServiceError.badSubmission(
                    "\(name) alone cannot be verified: hand in the folder that holds your"
                        + " adapter_config.json and adapter_model.safetensors (PEFT's layout,"
                        + " as `lmlab experiment finetune --out DIR` writes it)")
            }
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
        if let problem = SubmissionCheck.problem(content, filename: name) {
            throw ServiceError.badSubmission(problem)
        }
        return SubmissionPayload(filename: name, content: content, isBundle: false)
    }
}
