// Where lmlab finds the labs and the sandboxed harness: --labs, else $LMLAB_LABS, else ./labs.
// When something is not there the error says where lmlab looked, why there, and how to point it
// elsewhere — the first thing a student running `lmlab check` outside the repository meets.
import Foundation

/// The labs folder a command uses, and how it was chosen.
public struct LabsFolder: Sendable, Equatable {
    public var url: URL
    /// "--labs", "$LMLAB_LABS" or "the default ./labs".
    public var chosenBy: String

    /// The environment variable naming the labs folder.
    public static let environmentVariable = "LMLAB_LABS"

    /// --labs `option`, else $LMLAB_LABS, else ./labs (relative to `currentDirectory`).
    public init(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(
            fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) {
        let (path, chosenBy): (String, String)
        if let option, !option.isEmpty {
            (path, chosenBy) = (option, "--labs")
        } else if let env = environment[Self.environmentVariable], !env.isEmpty {
            (path, chosenBy) = (env, "$\(Self.environmentVariable)")
        } else {
            (path, chosenBy) = ("labs", "the default ./labs")
        }
        url = URL(fileURLWithPath: path, isDirectory: true, relativeTo: currentDirectory)
            .standardizedFileURL
        self.chosenBy = chosenBy
    }

    /// The folder of lab `id`; throws, saying where it looked, when it has no lab.toml.
    public func lab(_ id: String) throws -> URL {
        let folder = url.appendingPathComponent(id, isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(Lab.fileName).path)
        else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?
                .filter {
                    FileManager.default.fileExists(
                        atPath: url.appendingPathComponent($0).appendingPathComponent(Lab.fileName)
                            .path)
                }.sorted() ?? []
            throw LabsFolderError.noLab(id: id, folder: self, known: known)
        }
        return folder
    }

    /// The sandboxed harness, labs/harness; throws, saying where it looked, when it is missing.
    public func harness() throws -> URL {
        let harness = url.appendingPathComponent("harness", isDirectory: true)
        guard FileManager.default.fileExists(atPath: harness.appendingPathComponent("runner.py").path)
        else { throw LabsFolderError.noHarness(folder: self) }
        return harness
    }

    /// Throws, saying where it looked, unless the folder exists.
    public func requireExists() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { throw LabsFolderError.noFolder(folder: self) }
    }
}

public enum LabsFolderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noFolder(folder: LabsFolder)
    case noLab(id: String, folder: LabsFolder, known: [String])
    case noHarness(folder: LabsFolder)

    static let howToPoint =
        "run lmlab from the course repository, or point it at the labs folder with --labs DIR"
        + " or \(LabsFolder.environmentVariable)=DIR"

    public var description: String {
        switch self {
        case .noFolder(let folder):
            return "no labs folder at \(folder.url.path) (chosen by \(folder.chosenBy)); "
                + Self.howToPoint
        case .noLab(let id, let folder, let known):
            let there =
                known.isEmpty
                ? "it holds no labs" : "it holds \(known.joined(separator: ", "))"
            return "no lab '\(id)' in \(folder.url.path) (chosen by \(folder.chosenBy); \(there)); "
                + Self.howToPoint
        case .noHarness(let folder):
            return "no harness at \(folder.url.appendingPathComponent("harness").path) (the labs"
                + " folder chosen by \(folder.chosenBy)); " + Self.howToPoint
        }
    }
}

extension LabsFolder {
    /// Every folder under `labsRoot` that should be a lab, sorted by name: labs/ also holds the
    /// sandboxed harness and the students' Python client; every other folder must be a lab, so a
    /// lab.toml missing from one is reported, not skipped.
    public static func labFolders(labsRoot: URL) throws -> [URL] {
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
}
