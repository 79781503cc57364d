// Copies each lab's deadlines and policy from labs/<id>/lab.toml into the store, so that queries,
// the queue and the HTTP API need not read lab files.
import Foundation
import Grading
import LabConfig
import Store

extension LabRecord {
    /// The store's row for a lab definition.
    public init(_ lab: Lab, syncedAt: Date = Date()) {
        self.init(
            id: lab.id, version: lab.version, title: lab.title, due: lab.due,
            lateDue: lab.lateDue, latePenalty: lab.latePenalty,
            counting: lab.counting,
            rateLimitPerHour: lab.rateLimitPerHour, syncedAt: syncedAt)
    }
}

/// Surveys every lab under `labsRoot` and syncs the valid ones into `store`; an invalid lab
/// (one `lmlab labs validate` rejects) is never synced, so never served: the survey returned
/// lists it with its problems for the caller to report. A lab in the store that is no longer in
/// `labsRoot` (or no longer valid) is marked retired; syncing it again makes it live.
@discardableResult
public func syncLabs(labsRoot: URL, into store: LabStore, now: Date = Date()) throws -> LabSurvey {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: labsRoot.path, isDirectory: &isDirectory),
        isDirectory.boolValue
    else {
        throw ServiceError.missingFile(
            "\(labsRoot.path) (the labs folder; run from the course repository, or point lmlab"
                + " at it with --labs DIR or LMLAB_LABS=DIR)")
    }
    let survey = try LabSurvey(labsRoot: labsRoot)
    for lab in survey.labs { try store.syncLab(LabRecord(lab), now: now) }
    try store.retireLabs(except: Set(survey.labs.map(\.id)), now: now)
    return survey
}
