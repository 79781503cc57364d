"""Lab 04 — The GPT-2 tokenizer (starter).

Byte-level BPE as in GPT-2. The lab ships a small vocabulary: vocab.json (token string -> id)
and merges.txt (one merge "a b" per line, in rank order, after a "#version" line).
You may use the `regex` module (import regex) for Unicode classes such as \\p{L}.
Check yourself with:  lmlab check tokenizer.py --lab 04-tokenizer
"""


def bytes_to_unicode():
    """GPT-2's table {byte value 0..255: one printable character}.

    Printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other bytes map, in
    increasing order, to chr(256), chr(257), … (so the space byte 32 becomes 'Ġ').
    """
    raise NotImplementedError


def pretokenize(text):
    """Split text into pieces with GPT-2's pattern:
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    Returns a list of str ("" gives []).
    """
    raise NotImplementedError


def bpe_encode(text, encoder, merges):
    """Text -> list of token ids.

    encoder: dict str -> int (vocab.json); merges: list of [a, b] pairs in rank order (rank =
    position in the list). For each piece of pretokenize(text): UTF-8 bytes -> characters with
    bytes_to_unicode(); start from single characters; repeatedly merge the adjacent pair with the
    LOWEST rank (everywhere it occurs) until no pair is in merges; look every symbol up in encoder.
    """
    raise NotImplementedError


def decode(ids, decoder_vocab):
    """List of token ids -> text.

    decoder_vocab: dict str -> int (the same vocab.json; invert it). Join the token strings, map
    every character back to its byte (invert bytes_to_unicode), decode the bytes as UTF-8 with
    errors="replace".
    """
    raise NotImplementedError
