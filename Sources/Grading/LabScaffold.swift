// `lmlab labs new ID`: a new lab folder an instructor fills in — lab.toml with one component
// served by reference.py, one visible and one hidden test, the handout, the starter, the
// reference and one catalogued mistake. It validates as written (`lmlab labs validate`).
import Diagnosis
import Foundation

public enum ScaffoldError: Error, Sendable, Equatable, CustomStringConvertible {
    case badID(String)
    case exists(String)

    public var description: String {
        switch self {
        case .badID(let id):
            return "lab id \"\(id)\" must be a number and a name in lower case, e.g. 09-beam-search "
                + "(digits, letters a-z and hyphens; it is also the folder's name)"
        case .exists(let path):
            return "\(path) already exists; choose another id or remove the folder"
        }
    }
}

/// Writes `root/<id>/` and returns its URL.
public func scaffoldLab(id: String, labsRoot root: URL, due: Date = Date().addingTimeInterval(
    28 * 86_400)) throws -> URL
{
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
    guard let first = id.first, first.isNumber, id.allSatisfy(allowed.contains), id.count <= 60
    else { throw ScaffoldError.badID(id) }
    let folder = root.appendingPathComponent(id, isDirectory: true)
    guard !FileManager.default.fileExists(atPath: folder.path) else {
        throw ScaffoldError.exists(folder.path)
    }
    let formatter = ISO8601DateFormatter()
    let dueText = formatter.string(from: due)
    let files: [(String, String)] = [
        ("lab.toml", scaffoldToml(id: id, due: dueText)),
        ("README.md", """
            # Lab \(id)

            Write the handout here, in the lecture's words: what each function computes, with the
            formula and the shapes. Students implement the functions of `solution.py`; NumPy only.

            ## scale_and_shift

            `scale_and_shift(x, a, b)` = `a · x + b`, elementwise: scale first, then shift.

            """),
        ("solution.py", """
            \"\"\"Lab \(id) (starter). Check yourself with:  lmlab check solution.py --lab \(id)\"\"\"
            import numpy as np


            def scale_and_shift(x, a, b):
                \"\"\"a * x + b, elementwise. x: any shape; a, b: numbers.\"\"\"
                raise NotImplementedError

            """),
        ("reference.py", """
            \"\"\"The reference solution: lmlab computes the expected values with it, in a sandboxed
            session of its own that never holds student code. Same names and arguments as the
            components in lab.toml.\"\"\"
            import numpy as np


            def scale_and_shift(x, a, b):
                return a * np.asarray(x, dtype=np.float64) + b

            """),
        ("mistakes.py", """
            \"\"\"The catalogued mistakes: each a function with the component's arguments that
            computes what a student with that mistake returns, plus an id, a title and a hint in
            the lecture's words.\"\"\"
            import numpy as np


            def shift_before_scale(x, a, b):
                return a * (np.asarray(x, dtype=np.float64) + b)


            MISTAKES = [
                {"id": "shift_before_scale", "component": "scale_and_shift",
                 "function": shift_before_scale,
                 "title": "Shifted before scaling",
                 "hint": "Scale first, then shift: a * x + b, not a * (x + b)."},
            ]

            """),
    ]
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return folder
}

private func scaffoldToml(id: String, due: String) -> String {
    """
    # Lab \(id): describe the lab in a line or two. Components listed in [python] are computed by
    # reference.py; mistakes.py catalogues mistakes (for these or for built-in components).
    id = "\(id)"
    title = "Lab \(id)"
    version = "0.1.0"
    due = "\(due)"
    counting = "best"
    entry = "solution.py"
    handout = "README.md"

    [limits]
    time_seconds = 10.0
    memory_mb = 1024

    [python]
    reference = "reference.py"
    mistakes = "mistakes.py"
    components = ["scale_and_shift"]

    [[components]]
    name = "scale_and_shift"
    args = ["x", "a", "b"]
    returns = "tensor"
    atol = 1e-5
    rtol = 1e-4
    summary = "a · x + b, elementwise."

    [[tests]]
    name = "scale_and_shift_visible"
    component = "scale_and_shift"
    points = 1.0
    visibility = "visible"
    seed = 1
    [tests.inputs]
    x = { tensor = [4, 8] }
    a = 2.0
    b = 0.5

    [[tests]]
    name = "scale_and_shift_hidden"
    component = "scale_and_shift"
    points = 1.0
    visibility = "hidden"
    [tests.inputs]
    x = { tensor = [3, 5, 7] }
    a = -1.5
    b = 3.0

    """
}
