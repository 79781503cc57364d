// `lmlab serve`: the grading daemon — workers over the durable queue, the drop folder, the HTTP
// API — until SIGTERM/SIGINT, which let in-flight grading finish (or re-queue it).
import ArgumentParser
import Experiments
import Foundation
import LabConfig
import Server
import Service
import Tokenizer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the grading daemon: workers, the drop folder and the HTTP API.")

    @OptionGroup var data: DataOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Grading workers (default: the number of cores).")
    var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(
        help: "The labs folder, synced into the store at start (default: $LMLAB_LABS, else ./labs).")
    var labs: String?
    @Option(help: "Drop folder submissions/<student>/<lab>/<file> (default: ./submissions if it exists).")
    var drop: String?
    @Flag(help: "Run student code without bubblewrap (only for code you trust).")
    var noSandbox = false
    @Option(help: "Seconds a grading lease lasts without renewal (crash recovery waits this long).")
    var lease: Double = 60
    @Option(
        help: ArgumentHelp(
            "Warm sandboxes kept ready per worker and kind of lab (0: start every one cold).",
            discussion: "A warm sandbox has bubblewrap, its limits, Python and NumPy (torch for"
                + " a torch lab) started before a submission arrives; it serves one submission"
                + " and is replaced in the background. Each costs an idle Python process"
                + " (about 30 MB, 300 MB with torch)."))
    var warmSandboxes = 1
    @Option(
        help: ArgumentHelp(
            "The base model for verified runs (default: <data dir>/base-model if it exists).",
            discussion: "A folder from `lmlab experiment base-model --out DIR` (DIR/model and "
                + "DIR/corpus/eval.txt), or a Hugging Face GPT-2 folder with --verify-eval."))
    var baseModel: String?
    @Option(help: "The evaluation text for verified runs (default: the base model's corpus/eval.txt).")
    var verifyEval: String?
    @Option(help: "Evaluate verified runs on at most this many tokens.")
    var verifyEvalTokens = VerificationBase.defaultMaxEvalTokens
    @Option(
        help: "The GPT-2 folder the lecture's pages run (default: the base model for verified runs).")
    var model: String?

    func validate() throws {
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be 1…1024") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second") }
        guard verifyEvalTokens >= 2 else { throw ValidationError("--verify-eval-tokens must be at least 2") }
        guard (0...16).contains(warmSandboxes) else { throw ValidationError("--warm-sandboxes must be 0…16") }
    }

    func run() throws {
        // Looked for before the store is opened, so a wrong folder (or --model) leaves no data
        // directory.
        let folder = LabsFolder(option: labs)
        do {
            _ = try folder.harness()
        } catch let error as LabsFolderError {
            throw CommandFailure(description: error.description)
        }
        let given: LectureModel?
        do {
            given = try model.map { try LectureModel.load(folder: URL(fileURLWithPath: $0)) }
        } catch {
            throw CommandFailure(description: "cannot load --model \(model ?? ""): \(error)")
        }
        let store = try data.openStore()
        let setup = try prepareDaemon(
            store: store, labsRoot: folder.url,
            allowUnsandboxed: noSandbox,
            verification: VerificationOptions(
                baseModel: baseModel.map { URL(fileURLWithPath: $0, isDirectory: true) },
                evalFile: verifyEval.map { URL(fileURLWithPath: $0) },
                maxEvalTokens: verifyEvalTokens,
                defaultBaseModel: data.directory.appendingPathComponent("base-model")),
            warmSandboxes: warmSandboxes * workers)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.lease = lease
        configuration.leaseRenewal = max(0.5, lease / 3)
        let dropPath = drop ?? (FileManager.default.fileExists(atPath: "submissions") ? "submissions" : nil)
        configuration.dropFolder = dropPath.map { URL(fileURLWithPath: $0, isDirectory: true) }

        // The lecture's pages run --model, else the base model verified runs use (already in
        // memory; its tokenizer is beside it).
        let lecture = given ?? setup.verifier?.base.flatMap { base in
            (try? BPETokenizer(folder: URL(fileURLWithPath: base.path))).flatMap {
                try? LectureModel(model: base.model, tokenizer: $0, source: base.path)
            }
        }
        print("lmlab serve: data \(data.directory.path)")
        print("  \(setup.labs.count) labs (\(setup.labs.map(\.id).joined(separator: ", "))),"
            + " \(setup.students) students, \(setup.instructors) instructor(s)")
        print("  \(workers) workers, " + (setup.sandboxed ? "sandboxed (bubblewrap)" : "NOT sandboxed (--no-sandbox)")
            + (warmSandboxes > 0 ? ", \(warmSandboxes * workers) warm sandbox(es) per kind of lab" : ", no warm sandboxes"))
        for lab in setup.skipped {
            printError("  SKIPPED lab \(lab.id): it does not validate, so it is not served:")
            for problem in lab.problems { printError("    - \(problem)") }
        }
        print("  drop folder: " + (configuration.dropFolder?.path ?? "off"))
        if let verifier = setup.verifier {
            if let base = verifier.base {
                print("  verified runs on \(base.path) (\(base.evalTokens.count) eval tokens of \(base.evalFile))")
            } else {
                print("  verified runs: off — no base model; \(verifier.unavailable)")
            }
        }
        if setup.instructors == 0 {
            print("  no instructor yet: `lmlab students add ID --name NAME --instructor` prints a token")
        }
        print("  lecture pages: " + (lecture.map { "on \($0.source)" }
            ?? "no model (start with --model DIR or --base-model DIR)"))
        print("  listening on http://\(host):\(port)  (SIGTERM/Ctrl-C stops gracefully)")
        fflush(nil)

        let settings = configuration
        try runBlocking {
            try await runDaemon(settings, setup: setup, store: store, lecture: lecture)
        }
    }
}
