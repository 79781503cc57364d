// A labs folder with broken labs beside a good one, for the tests of `labs validate` and of the
// daemon's sync (which must never serve a lab that does not validate).
import Foundation

/// A scratch labs folder: labs/01-attention copied as is; copied as 08-extra with a component
/// `flash_attention` lmlab has no reference for; 09-typo whose lab.toml is not TOML; and an
/// empty harness folder (not a lab).
public func makeLabsWithBrokenOnes() throws -> URL {
    let root = try makeScratchDirectory("lmlab-labs")
    let manager = FileManager.default
    let source = repositoryRoot.appendingPathComponent("labs/01-attention")
    try manager.copyItem(at: source, to: root.appendingPathComponent("01-attention"))
    let extra = root.appendingPathComponent("08-extra")
    try manager.copyItem(at: source, to: extra)
    let toml = extra.appendingPathComponent("lab.toml")
    var text = try String(contentsOf: toml, encoding: .utf8)
    text = text.replacingOccurrences(of: "id = \"01-attention\"", with: "id = \"08-extra\"")
    text += """

        [[components]]
        name = "flash_attention"
        args = ["q", "k", "v"]
        returns = "tensor"
        atol = 1e-4
        rtol = 1e-3
        summary = "Attention in tiles."

        """
    try text.write(to: toml, atomically: true, encoding: .utf8)
    let typo = root.appendingPathComponent("09-typo")
    try manager.createDirectory(at: typo, withIntermediateDirectories: true)
    try "id = \"09-typo\"\ntitle = \n".write(
        to: typo.appendingPathComponent("lab.toml"), atomically: true, encoding: .utf8)
    try manager.createDirectory(
        at: root.appendingPathComponent("harness"), withIntermediateDirectories: true)
    return root
}
