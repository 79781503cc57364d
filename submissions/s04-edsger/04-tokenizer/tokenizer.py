# 04-tokenizer -- Edsger Dijkstra (s04-edsger)
import regex as re

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


def get_pairs(word):
    return set(zip(word, word[1:]))


def bpe(token, ranks):
    word = tuple(token)
    while len(word) > 1:
        pairs = get_pairs(word)
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
    return list(word)


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
