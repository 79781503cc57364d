// The drop folder: a new file is queued once it holds still, a changed file again, repeats and
// strangers never; scans are driven by hand so no timing is involved.
import Foundation
import Store
import Testing

@testable import Server

@Suite struct DropFolderWatcherTests {
    func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func newFileIsQueuedOnceAndAChangedFileAgain() throws {
        // Given a drop folder with alice's attention.py
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        let file = drop.appendingPathComponent("alice/attention/attention.py")
        try write("score=5\n", to: file)
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)

        // When it is scanned: first sight waits, the next scan queues it, later scans do not
        #expect(watcher.scan() == [])
        let first = watcher.scan()
        #expect(first.count == 1)
        #expect(watcher.scan() == [])
        let firstID = try #require(first.first)
        let row = try #require(try fixture.store.submission(id: firstID))
        #expect(row.studentID == "alice" && row.labID == "attention")
        #expect(row.filename == "attention.py")
        #expect(row.source == .drop)
        #expect(row.sha256 == SHA256Reference.score5)

        // When the file changes, it is queued again after it holds still
        try write("score=9 and more\n", to: file)
        #expect(watcher.scan() == [])
        let second = watcher.scan()
        #expect(second.count == 1 && second != first)

        // When it is rewritten with the same bytes, nothing new is queued
        try write("score=9 and more\n", to: file)
        _ = watcher.scan()
        #expect(watcher.scan() == [])

        // And a restarted watcher does not queue what is already stored
        let restarted = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        #expect(restarted.scan() == [])
        #expect(restarted.scan() == [])
        let all = try fixture.store.submissionsSince(
            student: "alice", lab: "attention", since: .distantPast)
        #expect(all == 2)
    }

    @Test func fileStillBeingWrittenWaits() throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        let file = drop.appendingPathComponent("bob/attention/attention.py")
        try write("score=", to: file)
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        #expect(watcher.scan() == [])
        // It grew between scans: not yet
        try write("score=8\n", to: file)
        #expect(watcher.scan() == [])
        // It held still: queued, with the full content
        let ids = watcher.scan()
        #expect(ids.count == 1)
        let id = try #require(ids.first)
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.size == 8)
    }

    @Test func strangersAndOtherFilesAreSkipped() throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        try write("x", to: drop.appendingPathComponent("mallory/attention/attention.py"))
        try write("x", to: drop.appendingPathComponent("alice/no-such-lab/attention.py"))
        try write("x", to: drop.appendingPathComponent("alice/attention/notes.txt"))
        try write("x", to: drop.appendingPathComponent("alice/attention/helpers/util.py"))
        try write("x", to: drop.appendingPathComponent("stray.py"))
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        for _ in 0..<3 { #expect(watcher.scan() == []) }
        #expect(
            try fixture.store.submissionsSince(
                student: "alice", lab: "attention", since: .distantPast)
                == 0)
        // A notebook beside them is taken
        try write(
            #"{"cells": []}"#, to: drop.appendingPathComponent("alice/attention/attention.ipynb"))
        _ = watcher.scan()
        #expect(watcher.scan().count == 1)
    }

    @Test func missingDropFolderIsHarmless() throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let watcher = DropFolderWatcher(
            folder: fixture.directory.appendingPathComponent("nowhere"), store: fixture.store,
            logger: quietLogger)
        #expect(watcher.scan() == [])
    }
}

/// Digests computed outside Swift (`printf 'score=5\n' | sha256sum`).
enum SHA256Reference {
    static let score5 = "24aee3b29d3d2acc9254a69cf384c1a27765de667a9145ac0d5da01e315e96f2"
}

@Suite struct DropFolderLinkTests {
    func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func symbolicLinksAndSpecialFilesAreNeverFollowed() throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        let secret = fixture.directory.appendingPathComponent("secret.txt")
        try write("root:x:0:0:the secret\n", to: secret)
        let manager = FileManager.default
        // alice's attention.py is a link to a file outside the drop folder
        try manager.createDirectory(
            at: drop.appendingPathComponent("alice/attention"), withIntermediateDirectories: true)
        try manager.createSymbolicLink(
            at: drop.appendingPathComponent("alice/attention/attention.py"),
            withDestinationURL: secret)
        // bob's lab folder is a link to a folder outside, holding a .py
        let outside = fixture.directory.appendingPathComponent("outside")
        try write("score=1\n", to: outside.appendingPathComponent("attention.py"))
        try manager.createDirectory(
            at: drop.appendingPathComponent("bob"), withIntermediateDirectories: true)
        try manager.createSymbolicLink(
            at: drop.appendingPathComponent("bob/attention"), withDestinationURL: outside)
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        for _ in 0..<3 { #expect(watcher.scan() == []) }
        #expect(try fixture.store.queueCounts().values.reduce(0, +) == 0)

        // In a folder submission, a link and a FIFO beside real code are left out, and the
        // scan does not block on the FIFO
        let lab = drop.appendingPathComponent("alice/limited")
        try write("score=2\n", to: lab.appendingPathComponent("limited.py"))
        try manager.createSymbolicLink(
            at: lab.appendingPathComponent("passwd.py"), withDestinationURL: secret)
        #expect(mkfifo(lab.appendingPathComponent("pipe.py").path, 0o600) == 0)
        _ = watcher.scan()
        let queued = watcher.scan()
        #expect(queued.count == 1)
        let id = try #require(queued.first)
        let row = try #require(try fixture.store.submission(id: id))
        let content = try Data(contentsOf: fixture.store.blobs.url(sha256: row.sha256))
        let bundle = try SubmissionBundle.decode(content, filename: row.filename)
        #expect(bundle.files.map(\.path) == ["limited.py"])
        #expect(!String(decoding: content, as: UTF8.self).contains("secret"))
    }
}
