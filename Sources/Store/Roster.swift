// The roster CSV (header id,name,email; RFC 4180 quoting): parsed completely, with errors that
// name the line, before anything is written.

/// One student line of a roster.
public struct RosterEntry: Sendable, Equatable {
    /// The 1-based line the record starts on.
    public var line: Int
    public var id: String
    public var name: String
    public var email: String?
}

public enum Roster {
    /// Parses `text`. The header must name `id`, `name` and `email` (any order, any case;
    /// other columns are ignored). Blank lines are skipped; ids must be unique.
    public static func parse(_ text: String) throws -> [RosterEntry] {
        let records = try records(in: text)
        guard let header = records.first else {
            throw StoreError.roster(
                line: 1, reason: "the file is empty; expected a header id,name,email")
        }
        let names = header.fields.map { $0.trimmingWhitespace().lowercased() }
        var column: [String: Int] = [:]
        for required in ["id", "name", "email"] {
            guard let index = names.firstIndex(of: required) else {
                throw StoreError.roster(
                    line: header.line,
                    reason: "the header has no '\(required)' column (found: "
                        + names.joined(separator: ",") + "); expected id,name,email")
            }
            column[required] = index
        }
        var entries: [RosterEntry] = []
        var firstLine: [String: Int] = [:]
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            guard record.fields.count == names.count else {
                throw StoreError.roster(
                    line: record.line,
                    reason: "\(record.fields.count) fields, but the header has \(names.count)")
            }
            let field = { (name: String) in record.fields[column[name] ?? 0].trimmingWhitespace() }
            let id = field("id")
            let name = field("name")
            let email = field("email")
            if let problem = StudentRecord.idProblem(id) {
                throw StoreError.roster(line: record.line, reason: problem)
            }
            guard !name.isEmpty else {
                throw StoreError.roster(line: record.line, reason: "student '\(id)' has no name")
            }
            guard email.isEmpty || email.contains("@") else {
                throw StoreError.roster(
                    line: record.line, reason: "'\(email)' is not an email address")
            }
            if let earlier = firstLine[id] {
                throw StoreError.roster(
                    line: record.line, reason: "id '\(id)' already appears on line \(earlier)")
            }
            firstLine[id] = record.line
            entries.append(
                RosterEntry(
                    line: record.line, id: id, name: name, email: email.isEmpty ? nil : email))
        }
        return entries
    }

    /// A CSV record: its fields and the line it starts on.
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Splits `text` into records: fields separated by commas, records by LF or CRLF; a field in
    /// double quotes may hold commas, newlines and doubled quotes ("").
    static func records(in text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteLine = 1
        var afterQuote = false  // just closed a quoted field: only a separator may follow
        var characters = Array(text.unicodeScalars)
        if characters.first == "\u{FEFF}" { characters.removeFirst() }  // a spreadsheet's BOM
        var index = 0
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = ""
            afterQuote = false
        }
        while index < characters.count {
            let c = characters[index]
            index += 1
            if inQuotes {
                if c == "\"" {
                    if index < characters.count && characters[index] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r" where index < characters.count && characters[index] == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
                quoteLine = line
            default:
                if afterQuote || c == "\"" {
                    throw StoreError.roster(
                        line: line,
                        reason:
                            "stray quote character; quote the whole field and double inner quotes"
                            + " (\"\")")
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw StoreError.roster(
                line: quoteLine, reason: "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty || afterQuote { endRecord() }
        return records
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
