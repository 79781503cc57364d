// A lab that does not validate is never synced, so never served: the daemon's sync keeps the
// valid labs and hands back the invalid ones with their problems for `serve`/`demo` to report.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Test func syncSkipsLabsThatDoNotValidate() throws {
    let labs = try makeLabsWithBrokenOnes()
    let store = try LabStore.open(directory: try makeScratchDirectory("lmlab-sync"))
    let survey = try syncLabs(labsRoot: labs, into: store)
    #expect(try store.labs().map(\.id) == ["01-attention"])
    #expect(survey.invalid.map(\.id) == ["08-extra", "09-typo"])
    #expect(try store.lab(id: "08-extra") == nil)
}
