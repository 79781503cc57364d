# 02-gpt2-blocks -- Grace Hopper (s03-grace)
import numpy as np

from attention import multi_head_attention


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * np.power(x, 3))))


def linear(x, w, b):
    return x @ w + b


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    h = gelu(linear(x, c_fc_w, c_fc_b))
    return linear(h, c_proj_w, c_proj_b)


def transformer_block(x, params, n_head):
    h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
    x = x + multi_head_attention(h, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                                 params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
    x = x + mlp(h, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
                params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])
    return x


def embeddings(ids, wte, wpe):
    ids = np.asarray(ids)
    T = len(ids)
    return wte[ids] + wpe[:T]
