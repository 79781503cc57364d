# Oracle: naive byte-level BPE training that recounts every pair at every step.
# argv[1] = vocab size (special tokens included), argv[2:] = special tokens; stdin = corpus.
# Rules (the same as documented in Trainer.swift, written independently here):
#   ids 0..255 = byte symbols sorted by code point; corpus split at special tokens, then by
#   the GPT-2 regex; merge the pair with the highest count, ties -> smallest (left id, right
#   id); merge non-overlapping occurrences left to right; specials get the last ids.
# stdout = JSON {"merges": [[left, right], ...], "vocab": {token: id}}.
import collections
import json
import sys

import regex

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


vocab_size = int(sys.argv[1])
specials = sys.argv[2:]
corpus = sys.stdin.buffer.read().decode("utf-8")
symbol = bytes_to_unicode()
tokens = sorted(symbol.values())
ids = {t: i for i, t in enumerate(tokens)}

segments = [corpus]
for sp in specials:
    segments = [part for seg in segments for part in seg.split(sp)]
words = collections.Counter()
for seg in segments:
    for piece in regex.findall(PATTERN, seg):
        words[tuple(ids[symbol[b]] for b in piece.encode("utf-8"))] += 1

merges = []
while len(tokens) + len(specials) < vocab_size:
    pairs = collections.Counter()
    for word, count in words.items():
        for a, b in zip(word, word[1:]):
            pairs[(a, b)] += count
    if not pairs:
        break
    best = min(pairs, key=lambda p: (-pairs[p], p))
    text = tokens[best[0]] + tokens[best[1]]
    if text not in ids:
        ids[text] = len(tokens)
        tokens.append(text)
    new = ids[text]
    merges.append([tokens[best[0]], tokens[best[1]]])
    merged = collections.Counter()
    for word, count in words.items():
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                out.append(new)
                i += 2
            else:
                out.append(word[i])
                i += 1
        merged[tuple(out)] += count
    words = merged

for sp in specials:
    if sp not in ids:
        ids[sp] = len(ids)
json.dump({"merges": merges, "vocab": ids}, sys.stdout)
