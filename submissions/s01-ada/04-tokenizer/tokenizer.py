# 04-tokenizer -- Ada Lovelace (s01-ada)
import regex as re

from bpe_core import bpe

PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


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
    return dict(zip(bs, [chr(c) for c in cs]))


def pretokenize(text):
    return PAT.findall(text)


def bpe_encode(text, encoder, merges):
    byte_encoder = bytes_to_unicode()
    ranks = {tuple(m): i for i, m in enumerate(merges)}
    ids = []
    for piece in pretokenize(text):
        token = "".join(byte_encoder[b] for b in piece.encode("utf-8"))
        for symbol in bpe(token, ranks):
            ids.append(encoder[symbol])
    return ids


def decode(ids, decoder_vocab):
    decoder = {v: k for k, v in decoder_vocab.items()}
    byte_decoder = {v: k for k, v in bytes_to_unicode().items()}
    text = "".join(decoder[int(i)] for i in ids)
    return bytearray([byte_decoder[c] for c in text]).decode("utf-8", errors="replace")
