// Lab 06 handed in as a notebook: the manifest's correct and nibble-order quantizers, each
// split into notebook cells with the shell and magic lines a Kaggle notebook has, grade in the
// sandbox as their .py files do (MANIFEST.toml's verdicts).
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

@Suite(.serialized, .blockingWork) struct Lab06NotebookTests {
    /// `source` as a notebook: a markdown cell, a `!pip` / `%matplotlib` cell, then one code
    /// cell per top-level block (split at blank-line-separated `def`s).
    static func notebook(from source: String) throws -> Data {
        var cells: [[String: Any]] = [
            ["cell_type": "markdown", "metadata": [:], "source": ["# Lab 06 on Kaggle\n"]],
            [
                "cell_type": "code", "metadata": [:], "execution_count": NSNull(), "outputs": [],
                "source": ["!pip install -q numpy\n", "%matplotlib inline\n"],
            ],
        ]
        for block in source.components(separatedBy: "\n\n\ndef ").enumerated() {
            let text = (block.offset == 0 ? "" : "def ") + block.element
            cells.append([
                "cell_type": "code", "metadata": [:], "execution_count": NSNull(), "outputs": [],
                "source": text.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { $0 + "\n" },
            ])
        }
        let notebook: [String: Any] = [
            "cells": cells, "metadata": ["kernelspec": ["name": "python3"]], "nbformat": 4,
            "nbformat_minor": 5,
        ]
        return try JSONSerialization.data(withJSONObject: notebook)
    }

    @Test func quantizerNotebooksGradeLikeTheirFiles() throws {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let lab = try Lab.load(folder: labs.appendingPathComponent("06-quantization"))
        let grader = try Grader(
            lab: lab, harnessDirectory: labs.appendingPathComponent("harness"),
            isolation: HarnessFixtures.bubblewrapWorks ? .sandbox : .none)
        let scratch = try makeScratchDirectory("lmlab-lab06-notebook")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let samples = try loadSamples().filter { $0.lab == "06-quantization" }
        let correct = try #require(samples.first { $0.verdict == "full" })
        let nibbles = try #require(samples.first { $0.mistake == "q4_0_nibble_order" })
        for sample in [correct, nibbles] {
            let source = try String(contentsOf: submissionURL(sample), encoding: .utf8)
            let notebook = scratch.appendingPathComponent("\(sample.student).ipynb")
            try Self.notebook(from: source).write(to: notebook)
            let report = try grader.grade(submission: notebook, seed: 11, mode: .instructor)
            #expect(report.importError == nil, "\(sample.path)")
            let named = Set(report.results.compactMap { $0.diagnosis?.mistakeID })
            if sample.verdict == "full" {
                #expect(report.summary.score == report.summary.maxScore, "\(sample.path)")
            } else {
                #expect(report.summary.score < report.summary.maxScore)
                #expect(named == [nibbles.mistake ?? ""], "\(sample.path): \(named)")
            }
        }
    }
}
