# Trains the small byte-level BPE vocabulary shipped with lab 04 (labs/04-tokenizer/vocab.json and
# merges.txt): 256 byte symbols, then one id per merge (256 + merge index), then <|endoftext|>.
# Run from the repository root: python3 Tests/Oracle/labs_make_vocab.py [n_merges]
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labs_reference import bytes_to_unicode, pretokenize  # noqa: E402

CORPUS = """
Language models assign probabilities to sequences of tokens and predict the next token.
GPT-2, GPT-3 and LLaMA are language models; they are used for text generation, translation
and sentiment analysis. Attention lets each position focus on the relevant parts of the input.
The query is the token we are focusing on, the keys are every token of the sequence, and the
values carry the information each token holds. The attention scores are the dot products of
the query with each key, scaled by one over the square root of d_k, then turned into
probabilities by the softmax. The weighted sum of the values gives a context vector.
Self-attention lets a sequence attend to itself; cross-attention lets one sequence attend to
another, for example the target of a translation attends to its source. Transformers are
trained in parallel, which is faster than recurrent models. We'll build GPT-2 from scratch:
the tokenizer, the embeddings, the transformer blocks, the layer norm and the language model
head. Then we'll generate text, and we're going to fine-tune it with LoRA adapters. It's a lot
of work, but it's worth it! Don't forget: the model doesn't see words, it sees token ids.
In 2019 OpenAI released GPT-2 with 124M, 355M, 774M and 1558M parameters.
Quantization stores weights in fewer bits: float32 to float16, or float32 to int8.
Les modèles de langue prédisent le mot suivant. L'attention est très utile; ça marche bien.
Él está aquí. ¿Dónde está la estación? Mañana será un día soleado en España.
Der Bär läuft über die Straße. Schöne Grüße aus München und Köln!
Ελληνικά: το μοντέλο γλώσσας. Русский язык: модель внимания.
日本語の文章を分割します。言語モデルは次の単語を予測します。東京は大きい都市です。
中文：注意力机制让模型关注输入中相关的部分。语言模型预测下一个词。
한국어 문장도 있습니다. 안녕하세요!
Emoji: 🙂 🚀 🤖 ❤️ 👍🏽 — tokens can split a single emoji into several byte pieces.
"""


def train(text, n_merges):
    byte_map = bytes_to_unicode()
    words = collections.Counter()
    for piece in pretokenize(text):
        words[tuple(byte_map[b] for b in piece.encode("utf-8"))] += 1
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        # Most frequent pair; ties broken by the smaller pair so the result is reproducible.
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = collections.Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    vocab = {symbol: i for i, symbol in enumerate(byte_map.values())}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    return vocab, merges


def main():
    n_merges = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    vocab, merges = train(CORPUS, n_merges)
    folder = os.path.join("labs", "04-tokenizer")
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    print(f"{len(merges)} merges, {len(vocab)} ids")


if __name__ == "__main__":
    main()
