# Framing for the lmlab harness protocol: u32 little-endian header length, UTF-8 JSON header,
# then header["payload"] bytes of raw tensor data. Shared by runner.py and test clients.
import json
import os
import struct

import numpy as np

# The dtypes the protocol carries, by their NumPy array-interface name.
DTYPES = {"<f4", "<f8", "<f2", "<i4", "<i8", "|i1", "|u1", "|b1"}
MAX_HEADER = 64 << 20
MAX_PAYLOAD = 2 << 30


class ProtocolError(Exception):
    pass


def _read_exactly(fd, n):
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    """Returns (header dict, payload bytes), or None at end of stream."""
    raw = _read_exactly(fd, 4)
    if raw is None:
        return None
    (length,) = struct.unpack("<I", raw)
    if length > MAX_HEADER:
        raise ProtocolError(f"header of {length} bytes is too large")
    text = _read_exactly(fd, length)
    if text is None:
        return None
    header = json.loads(text.decode("utf-8"))
    size = int(header.get("payload", 0))
    if size < 0 or size > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {size} bytes is out of range")
    payload = _read_exactly(fd, size) if size else b""
    if payload is None:
        return None
    return header, payload


def write_frame(fd, header, payload=b""):
    header = dict(header)
    if payload:
        header["payload"] = len(payload)
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    data = memoryview(struct.pack("<I", len(text)) + text + bytes(payload))
    while data:
        written = os.write(fd, data)
        data = data[written:]


class PayloadWriter:
    """Collects tensor bytes for one frame; offsets are 8-byte aligned."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, raw):
        pad = (-self.size) % 8
        if pad:
            self.parts.append(b"\0" * pad)
            self.size += pad
        offset = self.size
        self.parts.append(raw)
        self.size += len(raw)
        return offset

    def bytes(self):
        return b"".join(self.parts)


def encode_array(array, writer):
    """A C-contiguous little-endian array of a protocol dtype → tensor descriptor."""
    array = np.ascontiguousarray(array)
    name = array.dtype.str
    if name not in DTYPES:
        raise ProtocolError(f"dtype {name} is not a protocol dtype")
    raw = array.tobytes()
    offset = writer.add(raw)
    return {"t": "tensor", "dtype": name, "shape": list(array.shape),
            "offset": offset, "nbytes": len(raw)}


def decode(desc, payload):
    """A descriptor → a Python value; tensors are copied so the callee may write to them."""
    kind = desc.get("t")
    if kind == "tensor":
        dtype = np.dtype(desc["dtype"])
        if desc["dtype"] not in DTYPES:
            raise ProtocolError(f"unknown dtype {desc['dtype']}")
        shape = tuple(int(d) for d in desc["shape"])
        count = 1
        for d in shape:
            count *= d
        offset, nbytes = int(desc["offset"]), int(desc["nbytes"])
        if nbytes != count * dtype.itemsize or offset < 0 or offset + nbytes > len(payload):
            raise ProtocolError(f"tensor {desc} does not fit the payload of {len(payload)} bytes")
        array = np.frombuffer(payload, dtype=dtype, count=count, offset=offset)
        return array.reshape(shape).copy()
    if kind == "json":
        return desc.get("value")
    if kind == "dict":
        return {key: decode(value, payload) for key, value in desc["items"].items()}
    if kind == "list":
        return [decode(value, payload) for value in desc["items"]]
    raise ProtocolError(f"unknown descriptor kind {kind!r}")
