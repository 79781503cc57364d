# A well-behaved student module: each function returns a different kind of value.
import numpy as np


def softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def describe(x):
    # What NumPy received: dtype name, shape, a float64 sum and the first element.
    return {"dtype": x.dtype.str, "shape": list(x.shape), "sum": float(np.sum(x, dtype=np.float64)),
            "first": x.reshape(-1)[0].item() if x.size else None}


def echo(value):
    return value


def scribble(x):
    x[...] = 0  # inputs are copies: writing to them must work
    return x


def arange_f4(n):
    return np.arange(n, dtype=np.float32).reshape(2, n // 2)


def as_list():
    return [1, 2, 3]


def as_float64_scalar():
    return np.float64(2.5)


def as_python_float():
    return 0.25


def as_tuple():
    return (np.ones(2, dtype=np.float32), "two", 3)


def as_int():
    return 7


def as_numpy_int():
    return np.int64(41) + 1


def as_str():
    return "héllo"


def as_dict():
    return {1: "a", "w": np.eye(2), "n": None}


def as_transposed():
    return np.arange(6, dtype=np.float64).reshape(2, 3).T


def as_big_endian():
    return np.array([1.0, 2.0], dtype=">f4")


def as_object():
    return object()


def as_bool_mask(n):
    return np.tril(np.ones((n, n), dtype=bool))


def raises(x):
    y = x * 2
    raise ValueError(f"bad value {y}")


def nested_raise(x):
    return _helper(x)


def _helper(x):
    return np.reshape(x, (7, 7))


def exits():
    raise SystemExit(3)
