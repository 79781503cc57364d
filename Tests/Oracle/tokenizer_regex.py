# Oracle: GPT-2's pre-tokenizer pattern run by Python's `regex` module.
#   split:   stdin = JSON list of strings -> JSON list of lists of pieces (regex.findall)
#   classes: JSON {"s": ranges, "L": ranges, "N": ranges} of every code point matching \s,
#            \p{L}, \p{N}; ranges are [first, last] inclusive, surrogates excluded.
import json
import sys

import regex

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def split():
    texts = json.load(sys.stdin)
    pat = regex.compile(PATTERN)
    json.dump([pat.findall(t) for t in texts], sys.stdout, ensure_ascii=True)


def classes():
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(map(chr, points))
    out = {}
    for name, cls in [("s", r"\s+"), ("L", r"\p{L}+"), ("N", r"\p{N}+")]:
        ranges = []
        for m in regex.finditer(cls, text):
            first, last = ord(m.group()[0]), ord(m.group()[-1])
            # A run in `text` may jump over the surrogate gap; split it there.
            if first < 0xD800 < last:
                ranges += [[first, 0xD7FF], [0xE000, last]]
            else:
                ranges.append([first, last])
        out[name] = ranges
    json.dump(out, sys.stdout)


{"split": split, "classes": classes}[sys.argv[1]]()
