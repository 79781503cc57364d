// `lmlab students import roster.csv | add ID --name N [--instructor] | token ID | list`: the
// roster and API tokens (shown once; only their hash is stored). Locally or --server.
import ArgumentParser
import Foundation
import Server
import Service
import Store

struct StudentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "students", abstract: "The roster and API tokens.",
        discussion: RemoteOptions.instructorDiscussion,
        subcommands: [Import.self, Add.self, Token.self, Link.self, List.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a roster CSV (id,name,email header); all lines or none.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The roster CSV.") var roster: String

        func run() throws {
            guard let text = try? String(contentsOfFile: roster, encoding: .utf8) else {
                throw ServiceError.missingFile(roster)
            }
            let client = try remote.client(data: data)
            let result = try runBlocking { try await client.importRoster(csv: text) }
            print("imported \(roster): \(result.added) added, \(result.updated) updated")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add one student (or --update one); --instructor also prints an API token.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The student's id.") var id: String
        @Option(help: "Their name.") var name: String
        @Option(help: "Their e-mail.") var email: String?
        @Flag(help: "An instructor (sees every submission and real names).") var instructor = false
        @Flag(help: "Change the name (and e-mail, if given) of a student already on the roster.")
        var update = false

        var body: NewStudentBody {
            NewStudentBody(id: id, name: name, email: email, instructor: instructor, update: update)
        }

        func validate() throws {
            if let problem = body.problem { throw ValidationError(problem) }
        }

        func run() throws {
            let client = try remote.client(data: data)
            let body = body
            let added = try runBlocking { try await client.addStudent(body) }
            let record = added.student
            print("\(record.isInstructor ? "instructor" : "student") \(record.id) (\(record.name)),"
                + " shown as \(record.pseudonym)")
            if let token = added.token {
                print("API token (shown once, keep it secret): \(token)")
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new API token for a student (replacing the old one); shown once.",
            discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The student's id.") var id: String

        func run() throws {
            let client = try remote.client(data: data)
            let id = id
            print(try runBlocking { try await client.issueToken(student: id) }.token)
        }
    }

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a one-time sign-in link to the web pages for a student.",
            discussion: """
                The link signs the student in once, within a week, without their token; a new \
                link does not end older ones. Send it privately: whoever opens it first is \
                signed in as that student. With --server the link points at that server; \
                locally, at --url.
                """ + "\n\n" + RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Argument(help: "The student's id.") var id: String
        @Option(help: "The daemon's address students open, for a local data directory.")
        var url = "http://127.0.0.1:8080"

        func run() throws {
            let client = try remote.client(data: data)
            let id = id
            let link = try runBlocking { try await client.signInLink(student: id) }
            let base = remote.serverURL ?? url
            print(base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + link.path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the roster.", discussion: RemoteOptions.instructorDiscussion)
        @OptionGroup var data: DataOptions
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let client = try remote.client(data: data)
            let members = try runBlocking { try await client.roster() }
            print(try renderRoster(members, format: json ? .json : .terminal(colour: isTTY)),
                  terminator: "")
        }
    }
}
