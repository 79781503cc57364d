// Copies each lab's deadlines and policy from labs/<id>/lab.toml into the store, so that queries,
// the queue and the HTTP API need not read lab files.
import Foundation
import Grading
import Store

extension LabRecord {
    /// The store's row for a lab definition.
    public init(_ lab: Lab, syncedAt: Date = Date()) {
        self.init(
            id: lab.id, version: lab.version, title: lab.title, due: lab.due,
            lateDue: lab.lateDue, latePenalty: lab.latePenalty,
            counting: lab.counting == .latest ? .latest : .best,
            rateLimitPerHour: lab.rateLimitPerHour, syncedAt: syncedAt)
    }
}

/// Loads every lab under `labsRoot` and syncs it into `store`; returns the labs.
@discardableResult
public func syncLabs(labsRoot: URL, into store: LabStore, now: Date = Date()) throws -> [Lab] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: labsRoot.path, isDirectory: &isDirectory),
        isDirectory.boolValue
    else {
        throw ServiceError.missingFile(
            "\(labsRoot.path) (the labs folder; run from the course repository or pass --labs DIR)")
    }
    let labs = try loadLabs(labsRoot: labsRoot)
    for lab in labs { try store.syncLab(LabRecord(lab), now: now) }
    return labs
}

/// Every lab folder under `labsRoot`, i.e. every folder holding a lab.toml (labs/ also holds the
/// harness and the Python tracking client, which are not labs), sorted by id; one error lists
/// the problems of every broken lab.
public func loadLabs(labsRoot: URL) throws -> [Lab] {
    let manager = FileManager.default
    let names = (try? manager.contentsOfDirectory(atPath: labsRoot.path)) ?? []
    var labs: [Lab] = []
    var errors: [LabError] = []
    for name in names.sorted() where !name.hasPrefix(".") {
        let folder = labsRoot.appendingPathComponent(name, isDirectory: true)
        guard manager.fileExists(atPath: folder.appendingPathComponent(Lab.fileName).path) else {
            continue
        }
        do {
            labs.append(try Lab.load(folder: folder))
        } catch let error as LabError {
            errors.append(error)
        }
    }
    if !errors.isEmpty { throw errors.count == 1 ? errors[0] : LabError.several(errors) }
    return labs
}
