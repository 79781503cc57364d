// What a student handed in (a .py file, a folder or a notebook), copied into a private staging
// folder that the sandbox mounts read-only — never the original path.
import Foundation

/// A submission ready for the harness.
public struct StagedSubmission: Sendable {
    public enum Kind: Sendable, Equatable {
        case pythonFile
        case folder
        case notebook(name: String)
    }

    /// The private folder to mount as /submission; holds `entry`.
    public var folder: URL
    public var entry: String
    public var kind: Kind
    /// Set when the entry module was generated from a notebook.
    public var notebook: NotebookConversion?
    /// For the verdict: dropped magics, skipped files.
    public var notes: [String]
    public var totalBytes: Int

    /// Points an error at notebook cells when the entry was generated from a notebook.
    public func remap(_ error: StudentError) -> StudentError {
        guard case .notebook(let name) = kind, let notebook else { return error }
        return error.remapped(by: notebook, generatedFile: entry, notebookName: name)
    }

    /// Deletes the staging folder.
    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

public enum SubmissionSource {
    /// Largest submission accepted, all files together.
    public static let defaultMaxBytes = 5 << 20
    public static let maxFiles = 500
    /// Never copied from a folder submission.
    static let skipped: Set<String> = [
        "__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store", ".venv", "venv",
    ]

    /// Stages `source` for a lab whose module is `entry` (e.g. "attention.py"), under
    /// `stagingRoot` (the system temporary folder by default) — or into `folder`, an existing
    /// empty folder (a warm sandbox's), which is left for its owner to remove if staging fails.
    public static func stage(
        _ source: URL, entry: String, stagingRoot: URL? = nil, into given: URL? = nil,
        maxBytes: Int = defaultMaxBytes
    ) throws -> StagedSubmission {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw HarnessError.submission("\(source.path) does not exist")
        }
        let root = stagingRoot ?? manager.temporaryDirectory
        let folder = given ?? root.appendingPathComponent("lmlab-submission-\(UUID().uuidString)")
        if given == nil {
            try manager.createDirectory(
                at: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755])
        }
        do {
            var staged: StagedSubmission
            if isDirectory.boolValue {
                staged = try stageFolder(source, entry: entry, into: folder, maxBytes: maxBytes)
            } else {
                staged = try stageFile(source, entry: entry, into: folder, maxBytes: maxBytes)
            }
            staged.folder = folder
            return staged
        } catch {
            if given == nil { try? manager.removeItem(at: folder) }
            throw error
        }
    }

    private static func size(of url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?
            .intValue ?? 0
    }

    private static func tooLarge(_ what: String, _ bytes: Int, _ maxBytes: Int) -> HarnessError {
        .submission(
            "\(what) is \(bytes / 1024) KiB; submissions may be at most \(maxBytes / 1024) KiB. "
                + "Hand in only your code (no data, checkpoints or outputs)")
    }

    private static func stageFile(_ file: URL, entry: String, into folder: URL, maxBytes: Int)
        throws
        -> StagedSubmission
    {
        let bytes = size(of: file)
        guard bytes <= maxBytes else { throw tooLarge(file.lastPathComponent, bytes, maxBytes) }
        let target = folder.appendingPathComponent(entry)
        switch file.pathExtension.lowercased() {
        case "py":
            try writeCopy(of: file, to: target)
            var notes: [String] = []
            if file.lastPathComponent != entry {
                notes.append("\(file.lastPathComponent) was graded as \(entry)")
            }
            return StagedSubmission(
                folder: folder, entry: entry, kind: .pythonFile, notebook: nil, notes: notes,
                totalBytes: bytes)
        case "ipynb":
            let conversion = try Notebook.convert(
                Data(contentsOf: file), fileName: file.lastPathComponent)
            try Data(conversion.source.utf8).write(to: target)
            return StagedSubmission(
                folder: folder, entry: entry, kind: .notebook(name: file.lastPathComponent),
                notebook: conversion, notes: conversion.notes, totalBytes: bytes)
        default:
            throw HarnessError.submission(
                "\(file.lastPathComponent) is neither a Python file (.py), a notebook (.ipynb) nor a "
                    + "folder; hand in \(entry)")
        }
    }

    private static func stageFolder(_ source: URL, entry: String, into folder: URL, maxBytes: Int)
        throws
        -> StagedSubmission
    {
        let manager = FileManager.default
        var notes: [String] = []
        var total = 0
        var count = 0
        // Regular files only: symbolic links could point anywhere on the grader's machine.
        func copyTree(_ from: URL, _ to: URL, _ relative: String) throws {
            let names = try manager.contentsOfDirectory(atPath: from.path).sorted()
            for name in names where !skipped.contains(name) {
                let item = from.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                let attributes = try manager.attributesOfItem(atPath: item.path)
                let type = attributes[.type] as? FileAttributeType
                if type == .typeDirectory {
                    let target = to.appendingPathComponent(name)
                    try manager.createDirectory(at: target, withIntermediateDirectories: false)
                    try copyTree(item, target, path)
                } else if type == .typeRegular {
                    total += (attributes[.size] as? NSNumber)?.intValue ?? 0
                    count += 1
                    guard total <= maxBytes else {
                        throw tooLarge(source.lastPathComponent, total, maxBytes)
                    }
                    guard count <= maxFiles else {
                        throw HarnessError.submission(
                            "\(source.lastPathComponent) holds more than \(maxFiles) files; hand in only your code"
                        )
                    }
                    try writeCopy(of: item, to: to.appendingPathComponent(name))
                } else {
                    notes.append("skipped \(path) (not a regular file)")
                }
            }
        }
        try copyTree(source, folder, "")
        if manager.fileExists(atPath: folder.appendingPathComponent(entry).path) {
            return StagedSubmission(
                folder: folder, entry: entry, kind: .folder, notebook: nil, notes: notes,
                totalBytes: total)
        }
        let found = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        let notebooks = found.filter { $0.lowercased().hasSuffix(".ipynb") }
        if notebooks.count == 1 {
            // A folder holding just a notebook: grade the notebook.
            let name = notebooks[0]
            let conversion = try Notebook.convert(
                Data(contentsOf: folder.appendingPathComponent(name)), fileName: name)
            try Data(conversion.source.utf8).write(to: folder.appendingPathComponent(entry))
            return StagedSubmission(
                folder: folder, entry: entry, kind: .notebook(name: name), notebook: conversion,
                notes: notes + conversion.notes, totalBytes: total)
        }
        let listing =
            found.isEmpty ? "it is empty" : "it contains: " + found.joined(separator: ", ")
        throw HarnessError.submission(
            "\(entry) not found in \(source.lastPathComponent); \(listing). Name your module \(entry)"
        )
    }

    /// Copies bytes (not permissions or links) into a fresh file readable inside the sandbox.
    private static func writeCopy(of source: URL, to target: URL) throws {
        let data = try Data(contentsOf: source)
        guard
            FileManager.default.createFile(
                atPath: target.path, contents: data, attributes: [.posixPermissions: 0o644])
        else {
            throw HarnessError.submission(
                "cannot copy \(source.lastPathComponent) into the staging folder")
        }
    }
}
