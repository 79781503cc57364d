// The harness protocol: JSON and frames checked byte by byte against hand-worked values, and
// round trips through labs/harness/runner.py, whose NumPy side is the independent oracle.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Harness

@Suite("Protocol")
struct ProtocolTests {
    @Test func jsonKeepsIntegersApartFromFloats() throws {
        let text = #"{"a":[1,2.0,-3e2,"x\n\"\u00e9\ud83d\ude00",true,null],"b":{}}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(
            value
                == .object([
                    "a": .array([
                        .int(1), .double(2.0), .double(-300), .string("x\n\"é😀"), .bool(true),
                        .null,
                    ]),
                    "b": .object([:]),
                ]))
        #expect(
            try JSONValue.array([.double(1), .int(1), .double(1e-5)]).serialized()
                == "[1.0,1,1e-05]")
        #expect(throws: HarnessError.self) { try JSONValue.double(.nan).serialized() }
        #expect(throws: HarnessError.self) { try JSONValue.parse(Data("{\"a\":".utf8)) }
    }

    @Test func frameBytesMatchTheSpec() throws {
        let frame = try HarnessFrame.exit.encoded()
        // {"op":"exit"} is 13 bytes: u32 LE 13, then the text.
        #expect(Array(frame) == [13, 0, 0, 0] + Array(#"{"op":"exit"}"#.utf8))
        let call = HarnessFrame.call(
            id: 2, function: "f", args: [.from(Tensor(shape: [1], data: [1]))])
        #expect(call.payload == Data([0x00, 0x00, 0x80, 0x3F]))  // 1.0f little-endian
        var buffer = try call.encoded()
        let whole = buffer.count
        var partial = Data(buffer.prefix(whole - 1))
        #expect(try HarnessFrame.decode(from: &partial) == nil)
        let decoded = try #require(try HarnessFrame.decode(from: &buffer))
        #expect(buffer.isEmpty)
        #expect(decoded.header["payload"] == .int(4))
        #expect(
            decoded.header["args"]
                == .array([
                    .object([
                        "t": .string("tensor"), "dtype": .string("<f4"), "shape": .array([.int(1)]),
                        "offset": .int(0), "nbytes": .int(4),
                    ])
                ]))
    }

    @Test func tensorBytesDecodeForEveryDtype() throws {
        let half = try HarnessTensor(
            dtype: .float16, shape: [4],
            bytes: Data([0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00]))
        #expect(half.doubles() == [1, -2, 65504, 0x1p-24])
        #expect(
            HarnessTensor(ints: [-1, 5], shape: [2]).bytes
                == Data([
                    255, 255, 255, 255, 255, 255, 255, 255,
                    5, 0, 0, 0, 0, 0, 0, 0,
                ]))
        #expect(
            HarnessTensor(doubles: [0.5], shape: []).bytes == Data([0, 0, 0, 0, 0, 0, 0xE0, 0x3F]))
        #expect(HarnessTensor(bools: [true, false], shape: [2]).ints() == [1, 0])
        #expect(HarnessTensor(floats: [1.5], shape: [1]).ints() == nil)
        #expect(throws: HarnessError.self) {
            try HarnessTensor(dtype: .float32, shape: [3], bytes: Data(count: 8))
        }
    }

    @Test func runnerReadsWhatSwiftSends() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        // (tensor, dtype NumPy should see, shape, sum and first element worked by hand)
        let cases: [(HarnessTensor, String, [Int], Double, JSONValue)] = [
            (
                HarnessTensor(Tensor(shape: [2, 2], data: [1.5, -2, 3.25, 0.5])), "<f4", [2, 2],
                3.25, .string("1.5")
            ),
            (
                HarnessTensor(doubles: [0.1, 0.2, 0.3], shape: [3, 1]), "<f8", [3, 1],
                0.6000000000000001, .string("0.1")
            ),
            (HarnessTensor(ints: [50256, -7, 3], shape: [3]), "<i8", [3], 50252, .string("50256")),
            (
                HarnessTensor(bools: [true, false, true, true], shape: [2, 2]), "|b1", [2, 2], 3,
                .string("True")
            ),
            (HarnessTensor(floats: [], shape: [0, 4]), "<f4", [0, 4], 0, .null),
        ]
        for (tensor, dtype, shape, sum, first) in cases {
            let outcome = session.call("describe", args: [.tensor(tensor)], timeout: 10)
            guard case .value(.dict(let items), _) = outcome else {
                Issue.record("describe(\(tensor)) failed: \(outcome)")
                continue
            }
            #expect(items["dtype"] == .json(.string(dtype)))
            #expect(items["shape"].flatMap(tensorOf)?.ints() == shape)
            let got = items["sum"].flatMap(tensorOf)?.doubles().first ?? .nan
            #expect(abs(got - sum) < 1e-12, "sum of \(tensor): \(got) vs \(sum)")
            #expect(items["first"] == .json(first))
        }
    }

    @Test func nestedValuesEchoUnchanged() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        let value = HarnessValue.dict([
            "wte.weight": .tensor(HarnessTensor(floats: [1, 2, 3, 4, 5, 6], shape: [3, 2])),
            "ids": .tensor(HarnessTensor(ints: [3, 1, 4], shape: [3])),
            "merges": .list([.list([.json(.string("Ġ")), .json(.string("t"))])]),
            "options": .json(
                .object(["top_p": .double(0.9), "top_k": .int(0), "greedy": .bool(false)])),
        ])
        let outcome = session.call("echo", args: [value], timeout: 10)
        // Everything comes back as sent, except that a Python float becomes a 0-d float64 tensor.
        var expected = value
        if case .dict(var items) = expected {
            items["options"] = .dict([
                "top_p": .tensor(HarnessTensor(doubles: [0.9], shape: [])), "top_k": .json(.int(0)),
                "greedy": .json(.bool(false)),
            ])
            expected = .dict(items)
        }
        #expect(outcome == .value(expected, seconds: seconds(outcome)))
    }

    @Test func largeTensorsCrossBothWays() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        let n = 1 << 20
        let outcome = session.call(
            "scribble",
            args: [.tensor(HarnessTensor(floats: [Float](repeating: 0.5, count: n), shape: [n]))],
            timeout: 20)
        let tensor = try #require(tensorValue(outcome), "\(outcome)")
        #expect(tensor.shape == [n] && tensor.floats().allSatisfy { $0 == 0 })
    }

    @Test func returnValuesAreConvertedAsSpecified() throws {
        let session = try HarnessFixtures.session("good")
        defer { session.close() }
        func value(_ name: String, _ args: [HarnessValue] = []) -> HarnessValue? {
            if case .value(let value, _) = session.call(name, args: args, timeout: 10) {
                return value
            }
            return nil
        }
        let arange = try #require(value("arange_f4", [.json(.int(6))]).flatMap(tensorOf))
        #expect(
            arange.dtype == .float32 && arange.shape == [2, 3]
                && arange.floats() == [0, 1, 2, 3, 4, 5])
        let list = try #require(value("as_list").flatMap(tensorOf))
        #expect(list.dtype == .int64 && list.ints() == [1, 2, 3])
        let scalar = try #require(value("as_float64_scalar").flatMap(tensorOf))
        #expect(scalar.dtype == .float64 && scalar.shape == [] && scalar.doubles() == [2.5])
        #expect(value("as_python_float").flatMap(tensorOf)?.doubles() == [0.25])
        #expect(value("as_int") == .json(.int(7)))
        #expect(value("as_numpy_int") == .json(.int(42)))
        #expect(value("as_str") == .json(.string("héllo")))
        guard case .list(let tuple)? = value("as_tuple"), tuple.count == 3 else {
            Issue.record("a tuple of mixed values should come back as a list")
            return
        }
        #expect(tuple[0] == .tensor(HarnessTensor(floats: [1, 1], shape: [2])))
        #expect(tuple[1] == .json(.string("two")) && tuple[2] == .json(.int(3)))
        guard case .dict(let dict)? = value("as_dict") else {
            Issue.record("a dict should come back as a dict")
            return
        }
        #expect(dict["1"] == .json(.string("a")) && dict["n"] == .json(.null))
        #expect(dict["w"] == .tensor(HarnessTensor(doubles: [1, 0, 0, 1], shape: [2, 2])))
        #expect(
            value("as_transposed")
                == .tensor(HarnessTensor(doubles: [0, 3, 1, 4, 2, 5], shape: [3, 2])))
        #expect(value("as_big_endian") == .tensor(HarnessTensor(floats: [1, 2], shape: [2])))
        #expect(
            value("as_bool_mask", [.json(.int(2))])
                == .tensor(
                    HarnessTensor(
                        bools: [true, false, true, true],
                        shape: [2, 2])))
        guard case .studentError(let error) = session.call("as_object", args: [], timeout: 10)
        else {
            Issue.record("an object() result should be refused")
            return
        }
        #expect(error.message == "as_object returned a object, expected an array-like")
    }
}

private func tensorOf(_ value: HarnessValue) -> HarnessTensor? {
    if case .tensor(let tensor) = value { return tensor }
    return nil
}

private func seconds(_ outcome: CallOutcome) -> Double {
    if case .value(_, let seconds) = outcome { return seconds }
    return -1
}
