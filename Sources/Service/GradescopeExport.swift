// Gradescope's autograder results.json per student, written to a folder
// (`lmlab export grades --format gradescope`); the bytes come from the Store's
// `gradescopeResultFiles`, as on the daemon's export page.
import Foundation
import Store

/// Writes `<folder>/<student>/results.json` for each student with a counted submission of
/// `lab`; returns how many were written.
@discardableResult
public func writeGradescopeResults(store: LabStore, lab: String, to folder: URL) throws -> Int {
    try writeGradescopeResults(store.countedSubmissions(lab: lab), to: folder)
}

/// Writes `<folder>/<student>/results.json` for each counted submission (read locally or from
/// the daemon's grades export); returns how many were written.
@discardableResult
public func writeGradescopeResults(_ counted: [CountedSubmission], to folder: URL) throws -> Int {
    let files = try gradescopeResultFiles(counted)
    for file in files {
        let directory = folder.appendingPathComponent(file.studentID, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try file.json.write(
            to: directory.appendingPathComponent("results.json"), options: .atomic)
    }
    return files.count
}
