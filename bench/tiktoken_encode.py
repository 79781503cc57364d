#!/usr/bin/env python3
"""The peer for the tokenizer figure of `lmlab bench forward`: tiktoken on the same ranks.

Builds a tiktoken Encoding from an HF byte-level vocab.json (ids = ranks, as GPT-2's are),
encodes a text file and prints one JSON line: bytes, tokens, seconds, MB/s.
"""
import argparse
import json
import time

import tiktoken

GPT2_PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def byte_decoder():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--text", required=True)
    args = ap.parse_args()
    vocab = json.load(open(f"{args.tokenizer}/vocab.json", encoding="utf-8"))
    dec = byte_decoder()
    special = {t: i for t, i in vocab.items() if t == "<|endoftext|>"}
    ranks = {bytes(dec[ch] for ch in t): i for t, i in vocab.items() if t not in special}
    enc = tiktoken.Encoding("lmlab-bench", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                            special_tokens=special)
    text = open(args.text, encoding="utf-8").read()
    enc.encode_ordinary(text[:10000])  # warm-up
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        ids = enc.encode_ordinary(text)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    n = len(text.encode("utf-8"))
    print(json.dumps({"bytes": n, "tokens": len(ids), "seconds": best,
                      "mb_per_s": n / best / 1e6, "first_ids": ids[:64]}))


if __name__ == "__main__":
    main()
