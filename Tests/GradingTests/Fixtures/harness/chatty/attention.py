# Prints a lot, from Python and from C, at import and during calls: the protocol must survive.
import os
import sys

import numpy as np

print("hello from import")
os.write(1, b"raw write to fd 1 at import\n")


def loud(n):
    for i in range(n):
        print(f"line {i} " + "x" * 100)
    sys.stdout.write("via sys.stdout\n")
    os.write(1, b"raw fd 1\n")
    os.system("echo from a shell child")  # a C-level child writing to fd 1
    return np.full(3, 1.5, dtype=np.float32)
