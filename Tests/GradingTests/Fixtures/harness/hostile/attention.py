# Misbehaving and hostile student code. Everything here is bounded: loops are finite, the fork
# bomb stops at 2,000 forks and its children exit after 20 s, and network access is only ever
# attempted as a connect (no data is sent anywhere).
import ctypes
import os
import socket
import time

import numpy as np


def ok(x):
    return x + 1


def hang(seconds):
    time.sleep(seconds)
    return 0


def spin(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1
    return n


def crash_exit():
    os._exit(9)


def crash_segfault():
    ctypes.string_at(0)


def memory_hog(megabytes):
    # Touches memory 16 MB at a time until the address-space limit stops it (or the goal).
    chunks = []
    for _ in range(megabytes // 16):
        chunks.append(np.ones(16 << 17, dtype=np.float64))
    return len(chunks)


def big_alloc():
    return np.zeros((1 << 31,), dtype=np.float64)  # 16 GiB


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2.0)
    try:
        s.connect((host, port))
        return "connected"
    except OSError as error:
        return f"failed: {error}"
    finally:
        s.close()


def resolve(name):
    try:
        return f"resolved: {socket.gethostbyname(name)}"
    except OSError as error:
        return f"failed: {error}"


def probe(paths):
    found = {}
    for path in paths:
        if not os.path.exists(path):
            found[path] = "missing"
            continue
        try:
            if os.path.isdir(path):
                found[path] = "listed: " + ",".join(sorted(os.listdir(path))[:20])
            else:
                with open(path, "rb") as f:
                    f.read(16)
                found[path] = "readable"
        except OSError as error:
            found[path] = f"denied: {error}"
    return found


def write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return "written"
    except OSError as error:
        return f"failed: {error}"


def fork_bomb():
    # Forks at most 2,000 children; each sleeps 20 s then exits. Returns how many forks worked.
    forked = 0
    for _ in range(2000):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        forked += 1
    return forked


def environment():
    return {"env": dict(os.environ), "uid": os.getuid(), "cwd": os.getcwd(),
            "hostname": socket.gethostname(), "pid": os.getpid()}
