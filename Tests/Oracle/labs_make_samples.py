# Writes the sample class under submissions/ (drop-folder layout submissions/<student>/<lab>/…),
# submissions/roster.csv and submissions/MANIFEST.toml with every sample's expected verdict.
# Run from the repository root: python3 Tests/Oracle/labs_make_samples.py
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labs_sample_sources import (ATTENTION_A, BLOCKS_A, GPT2_A, TOKENIZER_A,  # noqa: E402
                                 style_a, style_b, with_mistake)

ROOT = "submissions"
ENTRY = {"01-attention": "attention.py", "02-gpt2-blocks": "blocks.py", "03-gpt2": "gpt2.py",
         "04-tokenizer": "tokenizer.py"}
STUDENTS = [
    ("s01-ada", "Ada Lovelace"), ("s02-alan", "Alan Turing"), ("s03-grace", "Grace Hopper"),
    ("s04-edsger", "Edsger Dijkstra"), ("s05-barbara", "Barbara Liskov"),
    ("s06-donald", "Donald Knuth"), ("s07-margaret", "Margaret Hamilton"),
    ("s08-john", "John McCarthy"), ("s09-frances", "Frances Allen"), ("s10-ken", "Ken Thompson"),
    ("s11-radia", "Radia Perlman"), ("s12-tim", "Tim Berners-Lee"),
    ("s13-sophie", "Sophie Wilson"), ("s14-yukihiro", "Yukihiro Matsumoto"),
    ("s15-guido", "Guido van Rossum"), ("s16-linus", "Linus Torvalds"),
    ("s17-hedy", "Hedy Lamarr"), ("s18-marvin", "Marvin Minsky"),
]
NAMES = dict(STUDENTS)

HOSTILE = '''import os
import socket
import time

import numpy as np

# "Just checking what the grader machine has" -- reads outside the submission folder.
LOOT = {}
for path in ["/etc/passwd", "/etc/hostname", "../../roster.csv", "../../MANIFEST.toml",
             "../../s01-ada/03-gpt2/gpt2.py", "../../../labs/03-gpt2/lab.toml"]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            LOOT[path] = f.read(200)
    except OSError as error:
        LOOT[path] = repr(error)
print("read:", {k: len(v) for k, v in LOOT.items()})

_done = False


def _phone_home_and_fork():
    # Connect only (loopback, nothing is ever sent), then fork in a loop bounded at 5000.
    for host, port in [("127.0.0.1", 80), ("127.0.0.1", 9)]:
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(1.0)
            s.connect((host, port))
            s.close()
            print("connected to", host, port)
        except OSError as error:
            print("connect failed:", host, port, error)
    children = 0
    for _ in range(5000):
        try:
            pid = os.fork()
        except OSError as error:
            print("fork stopped:", error)
            break
        if pid == 0:
            time.sleep(1.0)
            os._exit(0)
        children += 1
    print("forked", children, "children")
'''


# Lab 01, PyTorch edition: s01-ada's correct one, and s05-barbara's NumPy bug (no 1/sqrt(d_k)) in torch.
ATTENTION_TORCH = 'import math\n\nimport torch\n\n\ndef softmax(x, axis=-1):\n    shifted = x - x.amax(dim=axis, keepdim=True)\n    exps = torch.exp(shifted)\n    return exps / exps.sum(dim=axis, keepdim=True)\n\n\ndef causal_mask(T):\n    return torch.tril(torch.ones(T, T, dtype=torch.bool))\n\n\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    d_k = q.shape[-1]\n    scores = q @ k.transpose(-2, -1)\n    scores = scores / math.sqrt(d_k)\n    if mask is not None:\n        scores = scores.masked_fill(~mask, float("-inf"))\n    return softmax(scores, axis=-1) @ v\n\n\ndef split_heads(x, n_head):\n    T, C = x.shape\n    return x.reshape(T, n_head, C // n_head).transpose(0, 1)\n\n\ndef merge_heads(x):\n    n_head, T, d = x.shape\n    return x.transpose(0, 1).reshape(T, n_head * d)\n\n\ndef multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):\n    T, C = x.shape\n    q, k, v = (x @ c_attn_w + c_attn_b).split(C, dim=-1)\n    out = scaled_dot_product_attention(\n        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head), causal_mask(T))\n    return merge_heads(out) @ c_proj_w + c_proj_b\n\n\ndef cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):\n    C = x.shape[-1]\n    q = x @ w_q + b_q\n    k, v = (context @ w_kv + b_kv).split(C, dim=-1)\n    out = scaled_dot_product_attention(\n        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head))\n    return merge_heads(out) @ w_o + b_o\n'

# Labs 02 and 03, PyTorch edition: s01-ada's correct ones (lab 01's torch attention + blocks
# [+ model]), written with torch tensor operations; s05-barbara's NumPy bugs translated to torch.
BLOCKS_TORCH = '''

def layer_norm(x, gamma, beta, eps=1e-5):
    # Mean and variance in float64: a float32 mean of a row like 3.0 +- 0.001 loses digits.
    x64 = x.double()
    mean = x64.mean(dim=-1, keepdim=True)
    var = x64.var(dim=-1, keepdim=True, correction=0)
    return gamma * ((x64 - mean) / torch.sqrt(var + eps)).to(x.dtype) + beta


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def linear(x, w, b):
    return x @ w + b


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    return linear(gelu(linear(x, c_fc_w, c_fc_b)), c_proj_w, c_proj_b)


def transformer_block(x, params, n_head):
    h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
    x = x + multi_head_attention(h, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                                 params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
    return x + mlp(h, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
                   params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])


def embeddings(ids, wte, wpe):
    ids = torch.as_tensor(ids, dtype=torch.long)
    return wte[ids] + wpe[:len(ids)]
'''

GPT2_TORCH = '''

def gpt2_forward(ids, params, n_head):
    x = embeddings(ids, params["wte.weight"], params["wpe.weight"])
    n_layer = len({name.split(".")[1] for name in params if name.startswith("h.")})
    for i in range(n_layer):
        prefix = f"h.{i}."
        block = {name[len(prefix):]: value for name, value in params.items()
                 if name.startswith(prefix)}
        x = transformer_block(x, block, n_head)
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])
    return x @ params["wte.weight"].T


def cross_entropy(logits, targets):
    targets = torch.as_tensor(targets, dtype=torch.long)
    shifted = logits - logits.amax(dim=-1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    nll = -log_probs[torch.arange(len(targets)), targets]
    return nll.mean().item()


def generate_greedy(ids, params, n_head, n_new):
    ids = torch.as_tensor(ids, dtype=torch.long)
    new = []
    for _ in range(n_new):
        next_id = torch.argmax(gpt2_forward(ids, params, n_head)[-1])
        ids = torch.cat([ids, next_id.reshape(1)])
        new.append(int(next_id))
    return new


def sample_next(logits, temperature, top_k, top_p, u):
    logits = logits.double()
    if temperature == 0:
        return int(torch.argmax(logits))
    probs, order = torch.sort(softmax(logits / temperature), descending=True, stable=True)
    if top_k > 0:
        probs, order = probs[:top_k], order[:top_k]
    if top_p < 1.0:
        n_keep = int((torch.cumsum(probs, dim=0) < top_p).sum()) + 1
        probs, order = probs[:n_keep], order[:n_keep]
    cumulative = torch.cumsum(probs / probs.sum(), dim=0)
    past_u = torch.nonzero(cumulative > u)
    return int(order[past_u[0, 0]]) if len(past_u) else int(order[-1])
'''


def torch_mistake(source, old, new):
    """source with its one occurrence of `old` replaced by `new` (one catalogued mistake)."""
    assert source.count(old) == 1, (old, source.count(old))
    return source.replace(old, new)



def header(student, lab, note=""):
    line = f"# {lab} -- {NAMES[student]} ({student})"
    return line + (f"\n# {note}" if note else "") + "\n"


def notebook(student, lab, code):
    """A Jupyter notebook: markdown, shell and magic lines the grader drops, code, a demo cell."""
    def cell(kind, text):
        lines = text.splitlines(keepends=True)
        base = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            base.update({"execution_count": None, "outputs": []})
        return base
    demo = {"01-attention": "print(softmax(np.array([1.0, 2.0, 3.0])))\n"
                            "print(causal_mask(4).astype(int))",
            "02-gpt2-blocks": "print(gelu(np.linspace(-3, 3, 7)))",
            "03-gpt2": "print(sample_next(np.array([1.0, 2.0, 0.5]), 1.0, 0, 1.0, 0.3))",
            "04-tokenizer": "print(pretokenize(\"Hello world, it's me\"))"}[lab]
    cells = [
        cell("markdown", f"# {lab}\n{NAMES[student]} ({student})\n"),
        cell("code", "!pip install numpy regex\n%matplotlib inline\nimport numpy as np\n"),
        cell("code", code),
        cell("markdown", "Quick check:"),
        cell("code", demo),
    ]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}, indent=1, ensure_ascii=False) + "\n"


def split_functions(source, names):
    """Moves the top-level functions `names` out of `source`: returns (rest, moved)."""
    blocks = source.split("\n\n\n")
    moved = [b for b in blocks if any(b.startswith(f"def {n}(") for n in names)]
    rest = [b for b in blocks if b not in moved]
    return "\n\n\n".join(rest), "\n\n\n".join(moved)


def samples():
    """(student, lab, form, files {name: text}, manifest fields)."""
    out = []

    def add(student, lab, form, files, **fields):
        out.append((student, lab, form, files, fields))

    for lab in ENTRY:
        entry = ENTRY[lab]
        add({"01-attention": "s01-ada", "02-gpt2-blocks": "s02-alan", "03-gpt2": "s03-grace",
             "04-tokenizer": "s04-edsger"}[lab], lab, "file",
            {entry: style_a(lab)}, verdict="full", dtype="float32",
            note="correct, vectorised, float32 throughout")
        add({"01-attention": "s02-alan", "02-gpt2-blocks": "s01-ada", "03-gpt2": "s04-edsger",
             "04-tokenizer": "s03-grace"}[lab], lab, "file",
            {entry: style_b(lab)}, verdict="full",
            dtype="float64" if lab != "04-tokenizer" else "none",
            note="correct, independent style" + (
                ", computes in float64 (returns float64 arrays)" if lab != "04-tokenizer"
                else " (merges applied in rank order)"))
        nb_student = {"01-attention": "s03-grace", "02-gpt2-blocks": "s04-edsger",
                      "03-gpt2": "s01-ada", "04-tokenizer": "s02-alan"}[lab]
        add(nb_student, lab, "notebook",
            {f"{lab.split('-')[0]}_{nb_student.split('-')[1]}.ipynb":
             notebook(nb_student, lab, style_a(lab).replace("import numpy as np\n", ""))},
            verdict="notebook_full", dtype="float32",
            note="Jupyter notebook with !pip and %matplotlib lines and a demo cell")

    # Folder submissions: the entry module imports helpers that sit next to it.
    rest, moved = split_functions(ATTENTION_A, ["softmax", "split_heads", "merge_heads"])
    add("s04-edsger", "01-attention", "folder", {
        "attention.py": rest.replace("import numpy as np\n",
                                     "import numpy as np\n\nfrom helpers import merge_heads, "
                                     "softmax, split_heads\n"),
        "helpers.py": "import numpy as np\n\n\n" + moved + "\n",
        "NOTES.txt": "helpers.py holds softmax and the head reshaping.\n"},
        verdict="full", dtype="float32", note="folder: attention.py imports helpers.py")
    add("s03-grace", "02-gpt2-blocks", "folder", {
        "blocks.py": "import numpy as np\n\nfrom attention import multi_head_attention\n"
                     + BLOCKS_A,
        "attention.py": ATTENTION_A},
        verdict="full", dtype="float32", note="folder: blocks.py imports attention.py")
    add("s02-alan", "03-gpt2", "folder", {
        "gpt2.py": "import numpy as np\n\nfrom attention import softmax\n"
                   "from blocks import embeddings, layer_norm, transformer_block\n" + GPT2_A,
        "blocks.py": "import numpy as np\n\nfrom attention import multi_head_attention\n"
                     + BLOCKS_A,
        "attention.py": ATTENTION_A},
        verdict="full", dtype="float32", note="folder: gpt2.py imports blocks.py and attention.py")
    rest, moved = split_functions(TOKENIZER_A, ["get_pairs", "bpe"])
    add("s01-ada", "04-tokenizer", "folder", {
        "tokenizer.py": rest.replace("import regex as re\n",
                                     "import regex as re\n\nfrom bpe_core import bpe\n"),
        "bpe_core.py": moved + "\n"},
        verdict="full", dtype="none", note="folder: tokenizer.py imports bpe_core.py")

    # One catalogued mistake per buggy submission.
    buggy = {
        "01-attention": ["s05-barbara", "s06-donald", "s07-margaret", "s08-john", "s09-frances",
                         "s10-ken", "s11-radia", "s12-tim", "s13-sophie", "s14-yukihiro"],
        "02-gpt2-blocks": ["s05-barbara", "s06-donald", "s07-margaret", "s08-john",
                           "s09-frances", "s10-ken"],
        "03-gpt2": ["s11-radia", "s12-tim", "s13-sophie", "s14-yukihiro", "s05-barbara"],
        "04-tokenizer": ["s06-donald", "s07-margaret", "s08-john"],
    }
    from labs_sample_sources import MISTAKES
    for lab, students in buggy.items():
        for student, mistake in zip(students, MISTAKES[lab]):
            add(student, lab, "file", {ENTRY[lab]: with_mistake(lab, mistake)},
                verdict="mistake", mistake=mistake, dtype="float32" if lab != "04-tokenizer"
                else "none", note=f"exactly one mistake: {mistake}")

    # Submissions that never get as far as a result.
    add("s15-guido", "01-attention", "file", {
        "attention.py": ATTENTION_A.replace("def causal_mask(T):", "def causal_mask(T)")},
        verdict="syntax_error", dtype="float32", note="missing colon after def causal_mask(T)")
    add("s16-linus", "02-gpt2-blocks", "file", {
        "blocks.py": style_a("02-gpt2-blocks").replace(
            "    mean = np.mean(x, axis=-1, keepdims=True)\n",
            "    C = x.shape[-1]\n    total = np.zeros(x.shape[:-1] + (1,))\n    i = 0\n"
            "    while i < C:\n        total = total + x[..., i:i + 1]\n"
            "        # forgot i += 1\n    mean = total / C\n")},
        verdict="hang", dtype="float32", note="layer_norm loops forever (forgot i += 1)")
    add("s17-hedy", "02-gpt2-blocks", "file", {
        "blocks.py": style_a("02-gpt2-blocks").replace(
            "import numpy as np\n", "import ctypes\n\nimport numpy as np\n", 1).replace(
            "def linear(x, w, b):\n    return x @ w + b\n",
            "def linear(x, w, b):\n    ctypes.string_at(0)  # debugging: peek at the buffer\n"
            "    return x @ w + b\n")},
        verdict="crash", dtype="float32", note="linear dereferences a NULL pointer (SIGSEGV)")
    add("s18-marvin", "03-gpt2", "file", {
        "gpt2.py": HOSTILE + style_a("03-gpt2").replace("import numpy as np\n", "", 1).replace(
            "def gpt2_forward(ids, params, n_head):\n",
            "def gpt2_forward(ids, params, n_head):\n    global _done\n    if not _done:\n"
            "        _done = True\n        _phone_home_and_fork()\n")},
        verdict="hostile", dtype="float32",
        note="reads /etc/passwd and ../../ files at import; gpt2_forward tries loopback "
             "socket connects (no data sent) and forks at most 5000 times")
    add("s09-frances", "04-tokenizer", "file", {
        "tokenizer.py": TOKENIZER_A.replace(
            "import regex as re\n", "import regex as re\n\nfrom tokenizer_utils import get_pairs\n"
        ).replace("def get_pairs(word):\n    return set(zip(word, word[1:]))\n\n\n", "")},
        verdict="import_error", dtype="none",
        note="imports tokenizer_utils, which the student forgot to submit")
    add("s01-ada", "01-attention-torch", "file", {"attention_torch.py": ATTENTION_TORCH},
        verdict="full", dtype="float32",
        note="PyTorch edition: correct, torch tensor operations throughout")
    add("s05-barbara", "01-attention-torch", "file", {"attention_torch.py": ATTENTION_TORCH.replace(
        "    d_k = q.shape[-1]\n", "").replace("    scores = scores / math.sqrt(d_k)\n", "").replace(
        "import math\n\n", "")},
        verdict="mistake", mistake="no_scaling", dtype="float32",
        note="PyTorch edition of s05-barbara's NumPy bug: exactly one mistake, no_scaling")
    add("s01-ada", "02-gpt2-blocks-torch", "file",
        {"blocks_torch.py": ATTENTION_TORCH + BLOCKS_TORCH},
        verdict="full", dtype="float32",
        note="PyTorch edition: correct, torch tensor operations throughout")
    add("s05-barbara", "02-gpt2-blocks-torch", "file", {"blocks_torch.py": torch_mistake(
        ATTENTION_TORCH + BLOCKS_TORCH, "x64.var(dim=-1, keepdim=True, correction=0)",
        "x64.var(dim=-1, keepdim=True)")},
        verdict="mistake", mistake="layernorm_unbiased_variance", dtype="float32",
        note="PyTorch edition of s05-barbara's NumPy bug: exactly one mistake, "
             "layernorm_unbiased_variance (torch.var's default)")
    add("s01-ada", "03-gpt2-torch", "file",
        {"gpt2_torch.py": ATTENTION_TORCH + BLOCKS_TORCH + GPT2_TORCH},
        verdict="full", dtype="float32",
        note="PyTorch edition: correct, torch tensor operations throughout")
    add("s05-barbara", "03-gpt2-torch", "file", {"gpt2_torch.py": torch_mistake(
        ATTENTION_TORCH + BLOCKS_TORCH + GPT2_TORCH, "return nll.mean().item()",
        "return nll.sum().item()")},
        verdict="mistake", mistake="cross_entropy_sum", dtype="float32",
        note="PyTorch edition of s05-barbara's NumPy bug: exactly one mistake, cross_entropy_sum")
    return out


def toml_string(text):
    return json.dumps(text, ensure_ascii=False)


def main():
    for student, _ in STUDENTS:
        shutil.rmtree(os.path.join(ROOT, student), ignore_errors=True)
    os.makedirs(ROOT, exist_ok=True)
    manifest = ["# Every sample submission and the verdict the grader should reach for it.",
                "# verdict: full | mistake (with mistake = \"<id>\") | syntax_error | "
                "import_error | hang | crash",
                "#          | hostile | notebook_full. Generated by "
                "Tests/Oracle/labs_make_samples.py.", ""]
    for student, lab, form, files, fields in samples():
        folder = os.path.join(ROOT, student, lab)
        os.makedirs(folder, exist_ok=True)
        for name, text in files.items():
            if name.endswith(".py"):
                text = header(student, lab) + text
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write(text)
        manifest += ["[[samples]]", f"student = {toml_string(student)}",
                     f"lab = {toml_string(lab)}", f"path = {toml_string(f'{student}/{lab}')}",
                     f"form = {toml_string(form)}",
                     f"files = [{', '.join(toml_string(n) for n in sorted(files))}]"]
        for key in ["verdict", "mistake", "dtype", "note"]:
            if key in fields:
                manifest.append(f"{key} = {toml_string(fields[key])}")
        manifest.append("")
    with open(os.path.join(ROOT, "MANIFEST.toml"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest))
    with open(os.path.join(ROOT, "roster.csv"), "w", encoding="utf-8") as f:
        f.write("id,name,email\n")
        for student, name in STUDENTS:
            f.write(f"{student},{name},{student}@students.example.edu\n")
    print(f"{len(samples())} samples")


if __name__ == "__main__":
    main()
