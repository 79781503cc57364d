# Which TOML documents Python's tomllib (TOML 1.0) parses: reads a JSON list of documents on
# stdin, prints a JSON list of booleans. The independent judge for lmlab's TOML syntax check.
import json
import sys
import tomllib


def parses(text):
    try:
        tomllib.loads(text)
        return True
    except tomllib.TOMLDecodeError:
        return False


print(json.dumps([parses(text) for text in json.load(sys.stdin)]))
