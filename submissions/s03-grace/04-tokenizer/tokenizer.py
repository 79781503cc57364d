# 04-tokenizer -- Grace Hopper (s03-grace)
import regex

SPLIT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    keep = set(range(33, 127)) | set(range(161, 173)) | set(range(174, 256))
    table = {}
    shift = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + shift)
            shift += 1
    return table


def pretokenize(text):
    return [m.group(0) for m in SPLIT.finditer(text)]


def merge_all(symbols, a, b):
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def bpe_encode(text, encoder, merges):
    # Applying the merges one after another in rank order gives the same result as always
    # merging the lowest-ranked pair: a merge can only use symbols made by earlier merges.
    table = bytes_to_unicode()
    ids = []
    for piece in pretokenize(text):
        symbols = [table[b] for b in piece.encode("utf-8")]
        for a, b in merges:
            if len(symbols) == 1:
                break
            symbols = merge_all(symbols, a, b)
        ids += [encoder[s] for s in symbols]
    return ids


def decode(ids, decoder_vocab):
    inverse = dict((i, s) for s, i in decoder_vocab.items())
    back = dict((c, b) for b, c in bytes_to_unicode().items())
    data = bytes(back[c] for i in ids for c in inverse[int(i)])
    return data.decode("utf-8", errors="replace")
