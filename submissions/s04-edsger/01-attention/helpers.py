# 01-attention -- Edsger Dijkstra (s04-edsger)
import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def split_heads(x, n_head):
    T, C = x.shape
    x = x.reshape(T, n_head, C // n_head)
    return x.transpose(1, 0, 2)


def merge_heads(x):
    n_head, T, d = x.shape
    x = x.transpose(1, 0, 2)
    return x.reshape(T, n_head * d)
