// `lmlab students import roster.csv | add ID --name N [--instructor] | token ID | list`: the
// roster and API tokens (shown once; only their hash is stored).
import ArgumentParser
import Foundation
import Service
import Store

struct StudentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "students", abstract: "The roster and API tokens.",
        subcommands: [Import.self, Add.self, Token.self, List.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a roster CSV (id,name,email header); all lines or none.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The roster CSV.") var roster: String

        func run() throws {
            guard let text = try? String(contentsOfFile: roster, encoding: .utf8) else {
                throw ServiceError.missingFile(roster)
            }
            let result = try data.openStore().importRoster(csv: text)
            print("imported \(roster): \(result.added) added, \(result.updated) updated")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or update one student; --instructor also prints an API token.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The student's id.") var id: String
        @Option(help: "Their name.") var name: String
        @Option(help: "Their e-mail.") var email: String?
        @Flag(help: "An instructor (sees every submission and real names).") var instructor = false

        func validate() throws {
            guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else {
                throw ValidationError("the id must be non-empty, without '/' or a leading '.'")
            }
        }

        func run() throws {
            let store = try data.openStore()
            let record = try store.addStudent(
                id: id, name: name, email: email, isInstructor: instructor)
            print("\(record.isInstructor ? "instructor" : "student") \(record.id) (\(record.name)),"
                + " shown as \(record.pseudonym)")
            if instructor {
                let token = try store.issueToken(studentID: id)
                print("API token (shown once, keep it secret): \(token)")
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new API token for a student (replacing the old one); shown once.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The student's id.") var id: String

        func run() throws {
            let store = try data.openStore()
            guard try store.student(id: id) != nil else { throw ServiceError.unknownStudent(id) }
            print(try store.issueToken(studentID: id))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the roster.")
        @OptionGroup var data: DataOptions

        func run() throws {
            var table = TextTable(["id", "name", "email", "pseudonym", "role", "token"])
            for s in try data.openStore().students() {
                table.append([
                    s.id, s.name, s.email ?? "", s.pseudonym, s.isInstructor ? "instructor" : "student",
                    s.tokenHash == nil ? "—" : "issued",
                ])
            }
            print(table.render(.terminal(colour: isTTY)), terminator: "")
        }
    }
}
