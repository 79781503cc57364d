// Generation (lab 03): greedy decoding with GPT-2 and sampling the next token. The family's one
// home: each component's call (its reference with `Knobs()`). It has no mistakes of its own; the
// model's and the blocks' mistakes show in greedy decoding, which runs their forward.
import Tensors
import Transformer

let generationFamily = ComponentFamily(
    name: "generation",
    buildsOn: ["GPT-2 model", "GPT-2 block", "attention"],
    components: [
        Component(name: "generate_greedy") { a, k in
            // n_new ids, each the argmax of the last position's logits, the whole sequence
            // recomputed every step (no cache: the lecture's loop).
            let model = try gpt2Model(a, k)
            var ids = try a.ids("ids")
            var new: [Int] = []
            for _ in 0..<(try a.int("n_new")) {
                let logits = try gpt2Logits(ids, model, k)  // [T, V]
                let next = argmax(Array(logits.data.suffix(logits.shape[1])))
                new.append(next)
                ids.append(next)
            }
            return .ids(new)
        },
        Component(name: "sample_next") { a, _ in
            let logits = try a.tensor("logits")
            return .int(sampleToken(
                logits: logits.data, temperature: Float(try a.double("temperature", default: 1)),
                topK: try a.int("top_k", default: 0), topP: Float(try a.double("top_p", default: 1)),
                u: Float(try a.double("u"))))
        },
    ],
    mistakes: [])
