// A folder submission packed into one stored file, and the rules that keep it a folder of
// plain files: safe relative paths of bounded length and depth, no file that is also a folder,
// no control characters, limits on files and bytes checked while the JSON is read, before any
// file is decoded or written.
import Foundation

/// A folder submission packed into one stored file: JSON
/// `{"format": "lmlab-folder-1", "folder": "<name>", "files": [{"path": "a/b.py", "base64": "…"}]}`,
/// stored under the filename `<folder>.lmlab-folder.json`.
public struct SubmissionBundle: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var base64: String

        public init(path: String, base64: String) {
            self.path = path
            self.base64 = base64
        }
    }

    public static let formatName = "lmlab-folder-1"
    public static let filenameSuffix = ".lmlab-folder.json"
    /// Folders larger than this are refused when packed (the grader's own limit is 5 MiB).
    public static let maxBytes = 5 << 20
    public static let maxFiles = 500
    /// Folders nested in a bundle (and walked in a drop folder), beyond which it is refused.
    public static let maxDepth = 16
    /// Bytes in one file or folder name (Linux's NAME_MAX) and in a whole path (well under
    /// PATH_MAX, with room for the grader's scratch folder in front).
    public static let maxNameBytes = 255
    public static let maxPathBytes = 1024
    /// Skipped when packing: caches and version control, never code.
    static let skipped: Set<String> = [
        "__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store", ".venv", "venv",
    ]

    public var format: String
    public var folder: String
    public var files: [File]

    public init(format: String, folder: String, files: [File]) {
        self.format = format
        self.folder = folder
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case format, folder, files
    }

    /// Reads the files one by one, stopping at the first past `maxFiles` or, counting their
    /// base64 text, past `maxBytes`: a bundle of a million entries is refused, not decoded.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        folder = try container.decode(String.self, forKey: .folder)
        var list = try container.nestedUnkeyedContainer(forKey: .files)
        var files: [File] = []
        var encodedBytes = 0
        while !list.isAtEnd {
            let file = try list.decode(File.self)
            encodedBytes += file.base64.utf8.count
            guard files.count < Self.maxFiles, encodedBytes / 4 * 3 <= Self.maxBytes + 3 else {
                throw LabGraderError.bundle(
                    "the folder holds more than \(Self.maxFiles) files or"
                        + " \(Self.maxBytes >> 20) MiB; hand in only your code")
            }
            files.append(file)
        }
        self.files = files
    }

    public var folderName: String { Self.safeName(folder) }

    public static func isBundle(filename: String) -> Bool { filename.hasSuffix(filenameSuffix) }

    /// Packs the regular files under `folder`: symbolic links, devices and caches are left out,
    /// and each file is read through RegularFile so a link cannot be followed out of it.
    public static func pack(folder: URL) throws -> (filename: String, content: Data) {
        var files: [File] = []
        var total = 0
        let tooLarge = LabGraderError.bundle(
            "\(folder.lastPathComponent) is larger than \(maxBytes >> 20) MiB or \(maxFiles)"
                + " files; hand in only your code")
        func walk(_ url: URL, _ relative: String, depth: Int) throws {
            guard depth <= maxDepth else {
                throw LabGraderError.bundle(
                    "\(relative) is nested more than \(maxDepth) folders deep; flatten it")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            for name in names where !skipped.contains(name) {
                let item = url.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                switch RegularFile.kind(item) {
                case .typeDirectory?:
                    try walk(item, path, depth: depth + 1)
                case .typeRegular?:
                    guard files.count < maxFiles else { throw tooLarge }
                    let data: Data
                    do throws(RegularFile.Failure) {
                        data = try RegularFile.contents(of: item, maxBytes: maxBytes - total)
                    } catch .tooLarge {
                        throw tooLarge
                    } catch .notRegular {
                        continue  // swapped for a link since the walk looked: left out
                    } catch .unreadable(let code) {
                        throw LabGraderError.bundle(
                            "cannot read \(path): \(String(cString: strerror(code)))")
                    }
                    total += data.count
                    files.append(File(path: path, base64: data.base64EncodedString()))
                default:
                    continue
                }
            }
        }
        try walk(folder, "", depth: 0)
        guard !files.isEmpty else {
            throw LabGraderError.bundle("\(folder.lastPathComponent) holds no files to hand in")
        }
        return try SubmissionBundle(
            format: formatName, folder: safeName(folder.lastPathComponent), files: files
        ).packed()
    }

    /// The validated bundle as it is stored: its filename and JSON (keys sorted, so the same
    /// folder always gives the same bytes).
    public func packed() throws -> (filename: String, content: Data) {
        try validate()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (folderName + Self.filenameSuffix, try encoder.encode(self))
    }

    /// Reads and validates a stored or uploaded bundle (see `validate`).
    public static func decode(_ data: Data, filename: String) throws -> SubmissionBundle {
        let bundle: SubmissionBundle
        do {
            bundle = try JSONDecoder().decode(SubmissionBundle.self, from: data)
        } catch let error as LabGraderError {
            throw error
        } catch {
            throw LabGraderError.bundle("\(filename) is not a valid folder bundle: \(error)")
        }
        guard bundle.format == formatName else {
            throw LabGraderError.bundle(
                "\(filename) has format '\(bundle.format)', expected '\(formatName)'")
        }
        return bundle
    }

    /// Everything `unpack` needs to hold, checked in memory before any file is written: at least
    /// one file and at most `maxFiles`, `maxBytes` in all; each path relative, without `.`,
    /// `..`, empty parts or control characters, names of at most `maxNameBytes`, paths of at
    /// most `maxPathBytes` and `maxDepth` folders; no path twice, and no file that is also
    /// another file's folder.
    public func validate() throws {
        guard !files.isEmpty else { throw LabGraderError.bundle("the folder holds no files") }
        guard files.count <= Self.maxFiles else {
            throw LabGraderError.bundle(
                "the folder holds \(files.count) files; at most \(Self.maxFiles) are accepted")
        }
        try Self.checkName(folder, what: "folder name")
        var filePaths: Set<String> = []
        var folderPaths: Set<String> = []
        var total = 0
        for file in files {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.path.hasPrefix("/"), !parts.isEmpty,
                parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
            else {
                throw LabGraderError.bundle("unsafe path '\(file.path)' in folder bundle")
            }
            for part in parts {
                try Self.checkName(String(part), what: "name in \(String(reflecting: file.path))")
            }
            guard file.path.utf8.count <= Self.maxPathBytes else {
                throw LabGraderError.bundle(
                    "a path of \(file.path.utf8.count) bytes in the folder; at most"
                        + " \(Self.maxPathBytes) are accepted")
            }
            guard parts.count - 1 <= Self.maxDepth else {
                throw LabGraderError.bundle(
                    "'\(file.path)' is nested \(parts.count - 1) folders deep; at most"
                        + " \(Self.maxDepth) are accepted")
            }
            guard filePaths.insert(file.path).inserted else {
                throw LabGraderError.bundle("'\(file.path)' appears twice in the folder")
            }
            for end in 1..<parts.count {
                folderPaths.insert(parts[0..<end].joined(separator: "/"))
            }
            guard let data = Data(base64Encoded: file.base64) else {
                throw LabGraderError.bundle("\(file.path) in folder bundle is not base64")
            }
            total += data.count
            guard total <= Self.maxBytes else {
                throw LabGraderError.bundle(
                    "the folder is larger than \(Self.maxBytes >> 20) MiB; hand in only your code")
            }
        }
        if let clash = filePaths.intersection(folderPaths).sorted().first {
            throw LabGraderError.bundle(
                "'\(clash)' is both a file and a folder in the bundle; rename one of them")
        }
    }

    /// One file or folder name: at most `maxNameBytes`, no control characters (a newline in a
    /// name would forge lines in feedback and logs).
    static func checkName(_ name: String, what: String) throws {
        guard name.utf8.count <= maxNameBytes else {
            throw LabGraderError.bundle(
                "a \(what) of \(name.utf8.count) bytes; at most \(maxNameBytes) are accepted")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw LabGraderError.bundle(
                "a \(what) holds a control character (such as a newline); rename it")
        }
    }

    /// Writes the files under `folder` once `validate` has passed. A write that still fails is
    /// the grader's problem, reported without the server's paths.
    public func unpack(into folder: URL) throws {
        try validate()
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files {
                guard let data = Data(base64Encoded: file.base64) else { continue }
                let target = folder.appendingPathComponent(file.path)
                try manager.createDirectory(
                    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: target)
            }
        } catch {
            throw LabGraderError.unpack(
                "the grader could not write the folder's files to its disk (\(type(of: error)))")
        }
    }

    /// A file name without path separators or leading dots, so it stays inside its folder.
    public static func safeName(_ name: String) -> String {
        var cleaned = name.replacingOccurrences(of: "/", with: "_")
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        return cleaned.isEmpty ? "submission" : cleaned
    }
}
