"""Lab 03 — GPT-2 from scratch, PyTorch edition (starter).

Every tensor argument is a CPU torch.Tensor (float32; in gpt2_forward and generate_greedy, every
value of params); token ids (ids, targets) are lists of ints. Return what each docstring says:
a tensor of the input's dtype (CPU, no grad: .detach() if needed), a Python float, a list of ints
or a Python int. Use tensor operations — not torch.nn.functional's ready-made cross_entropy,
log_softmax or softmax: the point is to build them. T time, C channels, V vocabulary.
Bring your Lab 01 and Lab 02 (PyTorch) functions into this file (or a helper module next to it
in a folder submission).
Check yourself with:  lmlab check gpt2_torch.py --lab 03-gpt2-torch
"""
import torch


def gpt2_forward(ids, params, n_head):
    """Token ids [T] -> logits [T, V].

    params: dict of tensors with Hugging Face names: "wte.weight" [V, C], "wpe.weight" [n_ctx, C],
    for each layer i "h.{i}.ln_1.weight", … (the block names of Lab 02 prefixed by "h.{i}."),
    and "ln_f.weight", "ln_f.bias" [C].
    x = embeddings; x = block_i(x) for every layer; x = ln_f(x); logits = x @ wte.weight.T
    (GPT-2 ties its output head to the token embedding; ignore any "lm_head.weight").
    """
    raise NotImplementedError


def cross_entropy(logits, targets):
    """Mean negative log-likelihood.

    logits: [T, V], targets: the token ids [T], a list of ints. Returns a Python float (.item()):
    mean over t of -log softmax(logits[t])[targets[t]]. Use a stable log-softmax.
    """
    raise NotImplementedError


def generate_greedy(ids, params, n_head, n_new):
    """Greedy generation: n_new times, run the model on all ids so far and append the argmax of
    the last position's logits. ids: list of ints [T]. Returns the list of the n_new new ids
    (Python ints).
    """
    raise NotImplementedError


def sample_next(logits, temperature, top_k, top_p, u):
    """Pick the next token id from logits [V], using the given uniform number u in [0, 1).

    Exactly this procedure:
    1. temperature == 0 -> return the argmax (ties -> lowest id); else logits / temperature.
    2. probabilities = stable softmax.
    3. order the ids by probability, descending; ties by lower id first.
    4. top-k keeps the first k ids (k <= 0 keeps all).
    5. top-p keeps the shortest prefix whose cumulative probability >= top_p (at least one id;
       top_p >= 1 keeps all).
    6. renormalise the kept probabilities; walk them in that order accumulating, and return the
       first id whose cumulative sum is > u (if none, the last kept id).
    temperature, top_p and u are Python floats, top_k an int. Returns a Python int.
    """
    raise NotImplementedError
