// Folder submissions packed into one stored file: the round trip restores the same files; caches
// are left out; a path that would leave the folder is refused.
import Foundation
import Server
import TestSupport
import Testing

@Suite struct SubmissionBundleTests {
    @Test func roundTrip() throws {
        let folder = try makeScratchDirectory().appendingPathComponent("01-attention")
        let manager = FileManager.default
        try manager.createDirectory(
            at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try manager.createDirectory(
            at: folder.appendingPathComponent("__pycache__"), withIntermediateDirectories: true)
        try Data("import helpers\n".utf8).write(to: folder.appendingPathComponent("attention.py"))
        try Data("def f(): pass\n".utf8).write(to: folder.appendingPathComponent("sub/helpers.py"))
        try Data([0, 1, 2]).write(to: folder.appendingPathComponent("__pycache__/x.pyc"))

        let packed = try SubmissionBundle.pack(folder: folder)
        #expect(packed.filename == "01-attention.lmlab-folder.json")
        let bundle = try SubmissionBundle.decode(packed.content, filename: packed.filename)
        #expect(bundle.files.map(\.path) == ["attention.py", "sub/helpers.py"])

        let target = try makeScratchDirectory().appendingPathComponent("out")
        try bundle.unpack(into: target)
        #expect(
            try String(contentsOf: target.appendingPathComponent("sub/helpers.py"), encoding: .utf8)
                == "def f(): pass\n")
    }

    @Test func unsafePathsAreRefused() throws {
        for path in ["../evil.py", "/etc/passwd", "a/../../b.py", ""] {
            let bundle = SubmissionBundle(
                format: SubmissionBundle.formatName, folder: "x",
                files: [.init(path: path, base64: Data("x".utf8).base64EncodedString())])
            let target = try makeScratchDirectory().appendingPathComponent("out")
            #expect(throws: LabGraderError.self, "path '\(path)'") { try bundle.unpack(into: target) }
        }
    }
}
