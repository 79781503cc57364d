# Checks the sample class against the independent NumPy reference (labs_reference.py), using the
# tests of each labs/<id>/lab.toml as the input battery: `full` and `notebook_full` samples must
# pass every test on several seeds, `mistake` samples must fail at least one. Syntax and import
# errors are checked statically, the hang and the crash in a throw-away subprocess with a
# timeout; the hostile sample is never run. Prints a report; exits 1 if any sample misbehaves.
import ast
import contextlib
import copy
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import tomllib
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import labs_reference as ref  # noqa: E402

SEEDS = [11, 12, 13]
CALL_SECONDS = 5


# ---------------------------------------------------------------- inputs from lab.toml specs


def block_params(rng, C, prefix=""):
    def w(*shape, scale=0.3):
        return (rng.standard_normal(shape) * scale).astype(np.float32)
    return {
        prefix + "ln_1.weight": 1 + w(C, scale=0.1), prefix + "ln_1.bias": w(C, scale=0.1),
        prefix + "attn.c_attn.weight": w(C, 3 * C),
        prefix + "attn.c_attn.bias": w(3 * C, scale=0.1),
        prefix + "attn.c_proj.weight": w(C, C), prefix + "attn.c_proj.bias": w(C, scale=0.1),
        prefix + "ln_2.weight": 1 + w(C, scale=0.1), prefix + "ln_2.bias": w(C, scale=0.1),
        prefix + "mlp.c_fc.weight": w(C, 4 * C), prefix + "mlp.c_fc.bias": w(4 * C, scale=0.1),
        prefix + "mlp.c_proj.weight": w(4 * C, C, scale=0.15),
        prefix + "mlp.c_proj.bias": w(C, scale=0.1),
    }


def gpt2_params(rng, cfg):
    C, V = cfg["n_embd"], cfg["vocab"]
    scale = cfg.get("embedding_scale", 0.5)
    params = {"wte.weight": (rng.standard_normal((V, C)) * scale).astype(np.float32),
              "wpe.weight": (rng.standard_normal((cfg["ctx"], C)) * scale).astype(np.float32)}
    for i in range(cfg["n_layer"]):
        params.update(block_params(rng, C, f"h.{i}."))
    params["ln_f.weight"] = (1 + rng.standard_normal(C) * 0.1).astype(np.float32)
    params["ln_f.bias"] = (rng.standard_normal(C) * 0.1).astype(np.float32)
    if cfg.get("untied_head"):
        params["lm_head.weight"] = (rng.standard_normal((V, C)) * 0.5).astype(np.float32)
    return params


def make_input(spec, rng, folder):
    if not isinstance(spec, dict):
        return spec  # literal
    if "tensor" in spec:
        shape = tuple(spec["tensor"])
        if spec.get("dist", "normal") == "uniform":
            base = rng.uniform(spec.get("low", 0.0), spec.get("high", 1.0), shape)
        else:
            base = rng.standard_normal(shape)
        value = base * spec.get("scale", 1.0) + spec.get("offset", 0.0)
        return value.astype(np.float64 if spec.get("dtype") == "float64" else np.float32)
    if "weight" in spec:
        return (rng.standard_normal(tuple(spec["weight"])) * spec.get("scale", 0.02)).astype(
            np.float32)
    if "ids" in spec:
        return rng.integers(0, spec["vocab"], spec["ids"]).astype(np.int64)
    if "causal" in spec:
        return np.tril(np.ones((spec["causal"], spec["causal"]), dtype=bool))
    if "gpt2" in spec:
        return gpt2_params(rng, spec["gpt2"])
    if "block" in spec:
        return block_params(rng, spec["block"]["n_embd"])
    if "fixture" in spec:
        path = os.path.join(folder, spec["fixture"])
        return ref.load_vocab(path) if path.endswith(".json") else ref.load_merges(path)
    if "uniform_scalar" in spec:
        return float(rng.random())
    raise ValueError(f"unknown input spec {spec}")


def as_float64(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    if isinstance(value, dict):
        return {k: as_float64(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- comparing results


def compare(component, got, want):
    """None if `got` matches `want` under the component's rule, else a short reason."""
    kind = component.get("returns", "tensor")
    try:
        if kind in ("tensor", "float"):
            g = np.asarray(got, dtype=np.float64)
            w = np.asarray(want, dtype=np.float64)
            if g.shape != w.shape:
                return f"shape {g.shape}, expected {w.shape}"
            if not np.all(np.isfinite(g)):
                return "non-finite values"
            atol = component.get("atol", 1e-5)
            rtol = component.get("rtol", 1e-4)
            bad = np.abs(g - w) > atol + rtol * np.abs(w)
            if bad.any():
                return f"max |diff| {np.max(np.abs(g - w)):.3g}"
            return None
        if kind == "ids":
            return None if [int(t) for t in got] == [int(t) for t in want] else f"{list(got)}"
        if kind == "int":
            return None if int(got) == int(want) and float(got) == int(got) else f"{got}"
        if kind == "mapping":
            return None if {int(k): v for k, v in got.items()} == want else "different table"
        if kind == "strings":
            return None if list(got) == list(want) else f"{list(got)[:6]}…"
        return None if got == want else f"{str(got)[:40]!r}"
    except Exception as error:  # a result of the wrong type
        return f"unusable result: {type(error).__name__}: {error}"


class Timeout(Exception):
    pass


def call_with_timeout(function, args):
    def on_alarm(signum, frame):
        raise Timeout()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(CALL_SECONDS)
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            return function(*args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- loading submissions


def notebook_source(path):
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            if not line.lstrip().startswith(("!", "%")):  # shell and magic lines are dropped
                lines.append(line)
        lines.append("")
    return "\n".join(lines)


def load_submission(folder, sample, entry, serial):
    """Imports the sample's entry module (or notebook) with its folder on sys.path."""
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        name = f"sample_{serial}".replace("-", "_")
        with contextlib.redirect_stdout(io.StringIO()):
            if sample["form"] == "notebook":
                module = types.ModuleType(name)
                module.__file__ = os.path.join(folder, sample["files"][0])
                code = compile(notebook_source(module.__file__), module.__file__, "exec")
                exec(code, module.__dict__)
            else:
                spec = importlib.util.spec_from_file_location(name, os.path.join(folder, entry))
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(folder)
        for key in set(sys.modules) - before:  # helpers named like another student's
            if getattr(sys.modules[key], "__file__", "") and \
                    os.path.abspath(sys.modules[key].__file__).startswith(folder):
                del sys.modules[key]


def as_torch(value):
    """A torch lab's inputs: the same NumPy arrays wrapped with torch.from_numpy."""
    import torch
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, dict):
        return {key: as_torch(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_torch(item) for item in value]
    return value


def from_torch(value):
    """Returned CPU tensors as NumPy arrays (nested in lists and dicts too)."""
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {key: from_torch(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(from_torch(item) for item in value)
    return value


def run_battery(lab, lab_folder, module):
    """[(test name, seed, failure reason)] for every test of the lab on every seed."""
    components = {c["name"]: c for c in lab["components"]}
    failures = []
    for test in lab["tests"]:
        component = components[test["component"]]
        seeds = [test["seed"]] if test.get("visibility") == "visible" else SEEDS
        for seed in seeds:
            rng = np.random.default_rng(seed)
            inputs = test.get("inputs", {})
            args = [make_input(inputs[a], rng, lab_folder) for a in component["args"]
                    if a in inputs]
            want = getattr(ref, component["name"])(*[as_float64(a) for a in args])
            function = getattr(module, component["name"], None)
            if function is None:
                failures.append((test["name"], seed, "function missing"))
                continue
            framework = test.get("framework", lab.get("framework", "numpy"))
            try:
                given = copy.deepcopy(args)
                if framework == "torch":
                    given = as_torch(given)
                got = from_torch(call_with_timeout(function, given))
            except Timeout:
                failures.append((test["name"], seed, "timed out"))
                continue
            except Exception as error:
                failures.append((test["name"], seed, f"{type(error).__name__}: {error}"[:80]))
                continue
            reason = compare(component, got, want)
            if reason:
                failures.append((test["name"], seed, reason))
    return failures


# ---------------------------------------------------------------- non-running verdicts


def has_syntax_error(folder, sample):
    for name in sample["files"]:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                try:
                    compile(f.read(), name, "exec")
                except SyntaxError as error:
                    return f"SyntaxError in {name} line {error.lineno}"
    return None


def missing_import(folder, sample):
    for name in sample["files"]:
        if not name.endswith(".py"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                top = module.split(".")[0]
                if not os.path.exists(os.path.join(folder, top + ".py")) and \
                        importlib.util.find_spec(top) is None:
                    return f"{name} imports missing module {top}"
    return None


PROBE = """
import sys, numpy as np
sys.path.insert(0, {folder!r})
import {module} as m
rng = np.random.default_rng(0)
C = 8
x = rng.standard_normal((4, C)).astype(np.float32)
if {function!r} == "layer_norm":
    m.layer_norm(x, np.ones(C, np.float32), np.zeros(C, np.float32))
else:
    m.linear(x, rng.standard_normal((C, C)).astype(np.float32), np.zeros(C, np.float32))
"""


def probe(folder, module, function, seconds):
    """Runs one call in a subprocess: 'timeout', or its return code."""
    code = PROBE.format(folder=folder, module=module, function=function)
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                timeout=seconds, cwd=folder)
        return result.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def check_reference_numerics():
    """Hand-worked values the reference itself must reproduce."""
    cases = []
    cases.append(("softmax([0, ln 3]) = [1/4, 3/4]",
                  ref.softmax(np.array([0.0, np.log(3.0)])), np.array([0.25, 0.75])))
    cases.append(("softmax(1000 + [0, ln 3]) = [1/4, 3/4]",
                  ref.softmax(1000 + np.array([0.0, np.log(3.0)])), np.array([0.25, 0.75])))
    # Two keys with equal scores: the output is the mean of the values.
    q, k = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, -1.0]])
    v = np.array([[2.0, 4.0], [6.0, 8.0]])
    cases.append(("attention with equal scores averages V",
                  ref.scaled_dot_product_attention(q, k, v), np.array([[4.0, 6.0]])))
    # scores q·k/√2 = [2/√2, 0] = [√2, 0] for q = k0 = [1, 1], k1 = [0, 0]
    w = np.exp(np.sqrt(2.0)) / (np.exp(np.sqrt(2.0)) + 1)
    cases.append(("attention weights e^√2/(e^√2+1)",
                  ref.scaled_dot_product_attention(np.array([[1.0, 1.0]]),
                                                   np.array([[1.0, 1.0], [0.0, 0.0]]),
                                                   np.array([[1.0], [0.0]])), np.array([[w]])))
    cases.append(("the causal mask's first query sees only itself",
                  ref.scaled_dot_product_attention(np.zeros((2, 1)), np.zeros((2, 1)),
                                                   np.array([[5.0], [7.0]]), ref.causal_mask(2)),
                  np.array([[5.0], [6.0]])))
    # GELU (tanh form) at 1 and -1: 0.8411919906, -0.1588080094 (Hendrycks & Gimpel).
    cases.append(("gelu(±1)", ref.gelu(np.array([1.0, -1.0])),
                  np.array([0.8411919906, -0.1588080094])))
    cases.append(("layer_norm([1, 3]) = [-1, 1] (eps 0)",
                  ref.layer_norm(np.array([1.0, 3.0]), 1.0, 0.0, eps=0.0), np.array([-1.0, 1.0])))
    cases.append(("cross_entropy of uniform logits = ln V",
                  ref.cross_entropy(np.zeros((3, 7)), [0, 3, 6]), np.log(7.0)))
    problems = []
    for name, got, want in cases:
        if not np.allclose(got, want, atol=1e-9, rtol=1e-7):
            problems.append(f"FAIL  reference: {name}: got {got}, want {want}")
    # sample_next on probabilities [0.5, 0.3, 0.2] (logits = log p): cumulative 0.5, 0.8, 1.0.
    logits = np.log(np.array([0.2, 0.5, 0.3]))
    picks = [(1.0, 0, 1.0, 0.49, 1), (1.0, 0, 1.0, 0.51, 2), (1.0, 0, 1.0, 0.95, 0),
             (1.0, 1, 1.0, 0.99, 1), (1.0, 0, 0.6, 0.7, 2), (0.0, 0, 1.0, 0.99, 1),
             (1.0, 2, 1.0, 0.7, 2)]
    for t, top_k, top_p, u, want in picks:
        got = ref.sample_next(logits, t, top_k, top_p, u)
        if got != want:
            problems.append(f"FAIL  reference sample_next(t={t}, k={top_k}, p={top_p}, u={u})"
                            f" = {got}, want {want}")
    ok = [] if problems else [f"ok    reference numerics: {len(cases) + len(picks)} hand cases"]
    return ok, problems


def check_reference_tokenizer():
    """The reference BPE and the lab 04 fixtures against tiktoken (an independent
    implementation): its loader asserts vocab.json and merges.txt follow GPT-2's conventions,
    then both must encode and decode every lab 04 test text identically."""
    try:
        import tiktoken
        from tiktoken.load import data_gym_to_mergeable_bpe_ranks
        from tiktoken_ext.openai_public import r50k_pat_str
    except ImportError:
        return ["skip  reference tokenizer check (tiktoken not installed)"], []
    folder = os.path.join(REPO, "labs", "04-tokenizer")
    vocab_path = os.path.join(folder, "vocab.json")
    ranks = data_gym_to_mergeable_bpe_ranks(os.path.join(folder, "merges.txt"), vocab_path)
    vocab = ref.load_vocab(vocab_path)
    encoding = tiktoken.Encoding("lab04", pat_str=r50k_pat_str, mergeable_ranks=ranks,
                                 special_tokens={"<|endoftext|>": vocab["<|endoftext|>"]})
    merges = ref.load_merges(os.path.join(folder, "merges.txt"))
    with open(os.path.join(folder, "lab.toml"), "rb") as f:
        tests = tomllib.load(f)["tests"]
    texts = [t["inputs"]["text"] for t in tests if "text" in t.get("inputs", {})]
    texts += ["  leading and trailing  ", "tab\tnew\nline\n\n", "ÿ\x00\x7f control"]
    problems = []
    for text in texts:
        ours = ref.bpe_encode(text, vocab, merges)
        theirs = encoding.encode_ordinary(text)
        if ours != theirs:
            problems.append(f"FAIL  reference bpe_encode({text!r}) = {ours}, tiktoken {theirs}")
        elif ref.decode(ours, vocab) != encoding.decode(theirs):
            problems.append(f"FAIL  reference decode disagrees with tiktoken on {text!r}")
    ok = [] if problems else [f"ok    reference tokenizer = tiktoken on {len(texts)} texts"]
    return ok, problems


def main():
    with open(os.path.join(REPO, "submissions", "MANIFEST.toml"), "rb") as f:
        samples = tomllib.load(f)["samples"]
    labs = {}
    lines, problems = check_reference_numerics()
    more_lines, more_problems = check_reference_tokenizer()
    lines, problems = lines + more_lines, problems + more_problems
    for serial, sample in enumerate(samples):
        lab_id = sample["lab"]
        lab_folder = os.path.join(REPO, "labs", lab_id)
        if lab_id not in labs:
            with open(os.path.join(lab_folder, "lab.toml"), "rb") as f:
                labs[lab_id] = tomllib.load(f)
        lab = labs[lab_id]
        if not all(hasattr(ref, c["name"]) for c in lab["components"]):
            # Labs 05–06 have their own NumPy reference: labs56_check_samples.py checks them.
            lines.append(f"skip  {sample['path']} (checked by labs56_check_samples.py)")
            continue
        folder = os.path.join(REPO, "submissions", sample["path"])
        verdict = sample["verdict"]
        mistake = "=" + sample["mistake"] if "mistake" in sample else ""
        label = f"{sample['path']} [{verdict}{mistake}]"
        missing_files = [n for n in sample["files"] if not os.path.exists(os.path.join(folder, n))]
        if missing_files:
            problems.append(f"{label}: files missing {missing_files}")
            continue
        if verdict == "hostile":
            lines.append(f"skip  {label} (never run outside the sandbox)")
            continue
        if verdict == "syntax_error":
            found = has_syntax_error(folder, sample)
            (lines if found else problems).append(
                f"{'ok' if found else 'FAIL':5} {label}: {found or 'compiles cleanly'}")
            continue
        if verdict == "import_error":
            found = missing_import(folder, sample)
            (lines if found else problems).append(
                f"{'ok' if found else 'FAIL':5} {label}: {found or 'every import resolves'}")
            continue
        if verdict in ("hang", "crash"):
            module = lab["entry"][:-3]
            function = "layer_norm" if verdict == "hang" else "linear"
            outcome = probe(folder, module, function, 3 if verdict == "hang" else 20)
            good = outcome == "timeout" if verdict == "hang" else (
                isinstance(outcome, int) and outcome < 0)
            (lines if good else problems).append(
                f"{'ok' if good else 'FAIL':5} {label}: {function} -> {outcome}")
            continue
        try:
            module = load_submission(folder, sample, lab["entry"], serial)
        except Exception as error:
            problems.append(f"FAIL  {label}: does not load: {type(error).__name__}: {error}")
            continue
        failures = run_battery(lab, lab_folder, module)
        if verdict in ("full", "notebook_full"):
            if failures:
                detail = "; ".join(f"{t}@{s}: {r}" for t, s, r in failures[:5])
                problems.append(f"FAIL  {label}: {len(failures)} failed calls: {detail}")
            else:
                lines.append(f"ok    {label}: every test passes")
        elif verdict == "mistake":
            if failures:
                caught = sorted({t for t, _, _ in failures})
                lines.append(f"ok    {label}: caught by {', '.join(caught)}")
            else:
                problems.append(f"FAIL  {label}: no test detects this mistake")
        else:
            problems.append(f"FAIL  {label}: unknown verdict {verdict}")
    # The starters (raise NotImplementedError) must score nothing: every call fails.
    for lab_id, lab in sorted(labs.items()):
        if not all(hasattr(ref, c["name"]) for c in lab["components"]):
            continue
        lab_folder = os.path.join(REPO, "labs", lab_id)
        starter = load_submission(lab_folder, {"form": "file"}, lab["entry"], f"starter_{lab_id}")
        failures = run_battery(lab, lab_folder, starter)
        calls = sum(1 if t.get("visibility") == "visible" else len(SEEDS) for t in lab["tests"])
        good = len(failures) == calls and all("NotImplementedError" in r for _, _, r in failures)
        (lines if good else problems).append(
            f"{'ok' if good else 'FAIL':5} starter {lab_id}: {len(failures)}/{calls} calls fail")
    print("\n".join(lines))
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} of {len(samples)} samples misbehave", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"all {len(samples)} samples behave as MANIFEST.toml says")


if __name__ == "__main__":
    main()
