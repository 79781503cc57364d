# Oracle: tiktoken run on the same vocabulary. argv[1] is a folder with vocab.json in GPT-2's
# byte-symbol form; stdin is JSON {"texts": [...], "decode": [[ids], ...]}; stdout is JSON
# {"encode": ids with <|endoftext|> allowed, "ordinary": ids with it as plain text,
#  "decode": strings decoded with errors="replace"}.
# Ranks are the token ids, as for GPT-2 style vocabularies where ids follow merge order.
import json
import sys

import tiktoken

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
SPECIAL = "<|endoftext|>"


def byte_decoder():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


with open(f"{sys.argv[1]}/vocab.json", encoding="utf-8") as f:
    vocab = json.load(f)
decoder = byte_decoder()
ranks = {bytes(decoder[ch] for ch in tok): i for tok, i in vocab.items() if tok != SPECIAL}
special = {SPECIAL: vocab[SPECIAL]} if SPECIAL in vocab else {}
enc = tiktoken.Encoding("lmlab-test", pat_str=PATTERN, mergeable_ranks=ranks,
                        special_tokens=special)
request = json.load(sys.stdin)
texts = request["texts"]
json.dump({
    "encode": [enc.encode(t, allowed_special="all") for t in texts],
    "ordinary": [enc.encode_ordinary(t) for t in texts],
    "decode": [enc.decode(ids, errors="replace") for ids in request["decode"]],
}, sys.stdout)
