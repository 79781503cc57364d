// A folder handed in as a .zip on the upload page, turned into the SubmissionBundle every other
// way of handing in a folder produces. The zip is untrusted: it is read entry by entry in memory,
// never extracted to disk; a symbolic link or a path leaving the folder refuses the whole zip,
// and sizes are counted as the bytes are inflated (a zip bomb stops at the limit, whatever its
// headers claim).
import Foundation
import ZIPFoundation

enum ZippedFolder {
    /// Entries zip tools add that are never code: macOS's resource forks, caches.
    private static func isClutter(_ path: String) -> Bool {
        path.split(separator: "/").contains { part in
            part == "__MACOSX" || SubmissionBundle.skipped.contains(String(part))
        }
    }

    /// The bundle of the zip's files. A zip whose entries all sit in one top folder gives that
    /// folder (as `zip -r attention.zip attention/` makes); otherwise the zip's own name is the
    /// folder's.
    static func bundle(_ data: Data, filename: String) throws -> SubmissionBundle {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ServerError.badRequest(
                "\(filename) is not a zip file lmlab can read; zip the folder again (on Linux or "
                    + "macOS: zip -r \(filename) FOLDER)")
        }
        var files: [(path: String, data: Data)] = []
        var total = 0
        for entry in archive {
            let path = entry.path
            switch entry.type {
            case .symlink:
                throw ServerError.badRequest(
                    "\(filename) holds a symbolic link (\(String(reflecting: path))); zip the files "
                        + "themselves, without links")
            case .directory:
                continue
            case .file:
                break
            }
            if isClutter(path) { continue }
            guard files.count < SubmissionBundle.maxFiles else {
                throw ServerError.badRequest(
                    "\(filename) holds more than \(SubmissionBundle.maxFiles) files; hand in only "
                        + "your code")
            }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.hasPrefix("/"), !path.contains("\\"),
                parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
            else {
                throw ServerError.badRequest(
                    "\(filename) holds the path \(String(reflecting: path)), which leaves the "
                        + "folder; zip the folder again from its parent")
            }
            var content = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    total += chunk.count
                    guard total <= SubmissionBundle.maxBytes else {
                        throw ServerError.badRequest(
                            "\(filename) unpacks to more than \(SubmissionBundle.maxBytes >> 20) "
                                + "MiB; hand in only your code")
                    }
                    content.append(chunk)
                }
            } catch let error as ServerError {
                throw error
            } catch {
                throw ServerError.badRequest(
                    "\(filename) is damaged (\(String(reflecting: path)) does not unpack); zip the "
                        + "folder again")
            }
            files.append((path, content))
        }
        guard !files.isEmpty else {
            throw ServerError.badRequest("\(filename) holds no files; zip the folder with your code")
        }
        // One top folder for every file: it is the folder handed in.
        let tops = Set(files.map { $0.path.split(separator: "/").first.map(String.init) ?? "" })
        let nested = files.allSatisfy { $0.path.contains("/") }
        let folder: String
        if tops.count == 1, nested, let top = tops.first {
            folder = top
            files = files.map { (String($0.path.dropFirst(top.count + 1)), $0.data) }
        } else {
            folder = String(filename.dropLast(filename.lowercased().hasSuffix(".zip") ? 4 : 0))
        }
        let bundle = SubmissionBundle(
            format: SubmissionBundle.formatName, folder: SubmissionBundle.safeName(folder),
            files: files.map { .init(path: $0.path, base64: $0.data.base64EncodedString()) })
        do {
            try bundle.validate()
        } catch let error as LabGraderError {
            throw ServerError.badRequest("\(filename): \(error.description)")
        }
        return bundle
    }
}
