# Oracle: GPT-2's bytes_to_unicode() exactly as in openai/gpt-2 encoder.py, printed as a JSON
# list of 256 code points (entry b is the code point that stands for byte b).
import json


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, cs))


table = bytes_to_unicode()
print(json.dumps([table[b] for b in range(256)]))
