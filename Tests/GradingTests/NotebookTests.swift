// Notebook conversion (against a hand-written expected module) and submission staging.
import Foundation
import TestSupport
import Testing

@testable import Harness

@Suite("Notebook and submissions", .blockingWork)
struct NotebookTests {
    static let notebook = HarnessFixtures.folder("notebook").appendingPathComponent("work.ipynb")

    @Test func codeCellsBecomeAModuleWithMagicsDropped() throws {
        let conversion = try Notebook.convert(
            Data(contentsOf: Self.notebook), fileName: "work.ipynb")
        let expected = """
            # %% cell 2
            pass  # lmlab dropped: %matplotlib inline
            pass  # lmlab dropped: !pip install numpy
            import numpy as np
            # %% cell 3
            def softmax(x, axis=-1):
                e = np.exp(x - x.max(axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)
            # %% cell 5
            def broken(x):
                return x @ np.ones((x.shape[0] + 1, 2))
            # %% cell 6
            pass  # lmlab dropped: %%bash
            # echo hello
            # %% cell 7
            for i in range(1):
                pass  # lmlab dropped: %time softmax(np.zeros(3))

            """
        #expect(conversion.source == expected)
        #expect(
            conversion.notes == [
                "dropped 5 shell/magic lines from work.ipynb: %matplotlib inline, !pip install numpy, "
                    + "%%bash, echo hello, %time softmax(np.zeros(3))"
            ])
        #expect(conversion.origin(ofLine: 11) == .init(cell: 5, line: 2))
        #expect(conversion.origin(ofLine: 1) == nil)
        #expect(conversion.origin(ofLine: 4) == .init(cell: 2, line: 3))
    }

    @Test func malformedNotebookNamesTheFile() throws {
        let url = HarnessFixtures.folder("notebook").appendingPathComponent("truncated.ipynb")
        #expect {
            try Notebook.convert(Data(contentsOf: url), fileName: "truncated.ipynb")
        } throws: { error in
            "\(error)".hasPrefix("cannot read notebook truncated.ipynb: it is not valid JSON")
        }
        #expect(
            throws: HarnessError.notebook(
                file: "x.ipynb", reason: "no \"cells\" list; is it a Jupyter notebook (nbformat 4)?"
            )
        ) {
            try Notebook.convert(Data("{}".utf8), fileName: "x.ipynb")
        }
    }

    @Test func notebookErrorsPointAtCells() throws {
        let staged = try SubmissionSource.stage(Self.notebook, entry: "attention.py")
        defer { staged.remove() }
        #expect(staged.kind == .notebook(name: "work.ipynb"))
        let configuration = HarnessConfiguration(
            sandbox: try HarnessFixtures.sandbox(), isolation: .none)
        let session = HarnessSession(
            submission: staged.folder, entry: staged.entry, configuration: configuration)
        defer { session.close() }
        let x = HarnessValue.tensor(HarnessTensor(doubles: [0, 0], shape: [2]))
        guard case .value(.tensor(let softmax), _) = session.call("softmax", args: [x], timeout: 10)
        else {
            Issue.record("softmax from the notebook should run")
            return
        }
        #expect(softmax.doubles() == [0.5, 0.5])
        guard case .studentError(let raw) = session.call("broken", args: [x], timeout: 10) else {
            Issue.record("broken() should raise")
            return
        }
        let error = staged.remap(raw)
        #expect(error.location == "work.ipynb, cell 5, line 2", "\(error)")
        #expect(
            error.traceback.contains(#"File "work.ipynb", cell 5, line 2, in broken"#),
            "\(error.traceback)")
    }

    @Test func foldersMustHoldTheEntryModule() throws {
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x = 1\n".utf8).write(to: folder.appendingPathComponent("atention.py"))
        try Data("y = 2\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        #expect(
            throws: HarnessError.submission(
                "attention.py not found in \(folder.lastPathComponent); it contains: atention.py, notes.txt. "
                    + "Name your module attention.py")
        ) {
            try SubmissionSource.stage(folder, entry: "attention.py")
        }
    }

    @Test func foldersAreCopiedWithoutLinksOrCaches() throws {
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manager = FileManager.default
        try Data("def f():\n    return 1\n".utf8).write(
            to: folder.appendingPathComponent("attention.py"))
        try manager.createDirectory(
            at: folder.appendingPathComponent("__pycache__"), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: folder.appendingPathComponent("__pycache__/a.pyc"))
        try manager.createDirectory(
            at: folder.appendingPathComponent("util"), withIntermediateDirectories: true)
        try Data("z = 3\n".utf8).write(to: folder.appendingPathComponent("util/helpers.py"))
        try manager.createSymbolicLink(
            atPath: folder.appendingPathComponent("secrets").path,
            withDestinationPath: "/etc")
        let staged = try SubmissionSource.stage(folder, entry: "attention.py")
        defer { staged.remove() }
        #expect(staged.kind == .folder)
        #expect(
            try manager.contentsOfDirectory(atPath: staged.folder.path).sorted() == [
                "attention.py", "util",
            ])
        #expect(
            manager.fileExists(atPath: staged.folder.appendingPathComponent("util/helpers.py").path)
        )
        #expect(staged.notes == ["skipped secrets (not a regular file)"])
        #expect(staged.totalBytes == 22 + 6)
    }

    @Test func pythonFilesAreRenamedAndSizeIsCapped() throws {
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("my_attention.py")
        try Data(repeating: UInt8(ascii: "#"), count: 3000).write(to: file)
        let staged = try SubmissionSource.stage(file, entry: "attention.py")
        defer { staged.remove() }
        #expect(staged.kind == .pythonFile)
        #expect(
            try Data(contentsOf: staged.folder.appendingPathComponent("attention.py")).count == 3000
        )
        #expect(staged.notes == ["my_attention.py was graded as attention.py"])
        #expect {
            try SubmissionSource.stage(file, entry: "attention.py", maxBytes: 2048)
        } throws: { error in
            "\(error)".hasPrefix("my_attention.py is 2 KiB; submissions may be at most 2 KiB")
        }
        #expect {
            try SubmissionSource.stage(
                folder.appendingPathComponent("missing.py"), entry: "attention.py")
        } throws: { error in
            "\(error)".hasSuffix("missing.py does not exist")
        }
    }
}
