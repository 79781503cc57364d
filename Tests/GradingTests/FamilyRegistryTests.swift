// The registry of built-in component families: every component a lab names is served by exactly
// one family (or by the lab's own reference.py), ids are unique, and a mistake only names
// components of its family or of the families that run its family's maths.
import Foundation
import LabConfig
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading

@Suite struct FamilyRegistryTests {
    /// Component name → the families that list it.
    static var familiesByComponent: [String: [String]] {
        var owners: [String: [String]] = [:]
        for family in componentFamilies {
            for name in family.componentNames { owners[name, default: []].append(family.name) }
        }
        return owners
    }

    @Test func everyLabComponentResolvesToExactlyOneFamily() throws {
        let labs = try Lab.loadAll(labsRoot: repositoryRoot.appendingPathComponent("labs"))
        #expect(labs.count >= 8, "labs found: \(labs.map(\.id))")
        let owners = Self.familiesByComponent
        for lab in labs {
            for component in lab.components.map(\.name) {
                let families = owners[component] ?? []
                if lab.servedByPython(component) {
                    #expect(families.isEmpty, "\(lab.id): \(component) is both Python and \(families)")
                } else {
                    #expect(families.count == 1, "\(lab.id): \(component) served by \(families)")
                    #expect(references[component] != nil, "\(lab.id): no reference for \(component)")
                }
            }
        }
    }

    @Test func componentAndMistakeIDsAreUnique() {
        let owners = Self.familiesByComponent
        let duplicated = owners.filter { $0.value.count > 1 }
        #expect(duplicated.isEmpty, "components in several families: \(duplicated)")
        for family in componentFamilies {
            #expect(Set(family.componentNames).count == family.components.count, "\(family.name)")
        }
        let ids = mistakeCatalogue.map(\.id)
        let repeated = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys
        #expect(repeated.isEmpty, "mistake ids used twice: \(repeated.sorted())")
        #expect(Set(componentFamilies.map(\.name)).count == componentFamilies.count)
        // The references are exactly the families' components.
        #expect(Set(references.keys) == Set(owners.keys))
    }

    @Test func everyMistakeNamesComponentsOfItsFamilyOrOfOnesBuiltOnIt() {
        let names = Set(componentFamilies.map(\.name))
        for family in componentFamilies {
            #expect(Set(family.buildsOn).isSubset(of: names), "\(family.name): \(family.buildsOn)")
            // The components its mistakes may show in: its own, and those of every family that
            // runs its maths.
            let reach = Set(family.componentNames).union(
                componentFamilies.filter { $0.buildsOn.contains(family.name) }
                    .flatMap(\.componentNames))
            for mistake in family.mistakes {
                #expect(!mistake.components.isEmpty, "\(mistake.id) shows in no component")
                #expect(!Set(mistake.components).isDisjoint(with: family.componentNames),
                        "\(mistake.id) shows in none of \(family.name)'s components")
                let outside = Set(mistake.components).subtracting(reach)
                #expect(outside.isEmpty, "\(mistake.id) (\(family.name)) names \(outside.sorted())")
            }
        }
    }

    @Test func everyReferenceIsItsFamilysCallWithTheLecturesKnobs() throws {
        // A hand-worked case per family seam: softmax([0, ln 3]) = [1/4, 3/4]; the causal mask
        // of T = 2 is [[1, 0], [1, 1]]; sum of -log p over rows of uniform logits is T·ln V.
        let x = CaseArguments(names: ["x"], values: ["x": .float32(.init(shape: [2], data: [0, logf(3)]))])
        let softmaxReference = try #require(references["softmax"])
        let softmax = try softmaxReference(x)
        #expect(compare(got: softmax, expected: .floats([0.25, 0.75], shape: [2]), as: .tensor,
                        tolerance: Tolerance(atol: 1e-7, rtol: 0)).passed)
        let maskReference = try #require(references["causal_mask"])
        let mask = try maskReference(CaseArguments(names: ["T"], values: ["T": .int(2)]))
        #expect(mask == .array(NumericArray(bools: [true, false, true, true], shape: [2, 2])))
        let logits = CaseArguments(
            names: ["logits", "targets"],
            values: ["logits": .float32(.init(shape: [3, 4], data: Array(repeating: 0.5, count: 12))),
                     "targets": .ids([0, 3, 1])])
        let mean = try #require(try evaluate("cross_entropy", logits, Knobs()))
        let summed = try #require(try evaluate("cross_entropy", logits, knobs { $0.crossEntropySum = true }))
        #expect(compare(got: mean, expected: .float(log(4)), as: .float,
                        tolerance: Tolerance(atol: 1e-6, rtol: 0)).passed)
        #expect(compare(got: summed, expected: .float(3 * log(4)), as: .float,
                        tolerance: Tolerance(atol: 1e-5, rtol: 0)).passed)
        #expect(try evaluate("no_such_component", x, Knobs()) == nil)
    }
}
