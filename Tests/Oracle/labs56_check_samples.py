# Checks the lab 05-lora and 06-quantization samples against the independent NumPy reference
# (labs56_reference.py) on each lab.toml test's inputs: `full` samples pass every test on several
# seeds, each `mistake` sample fails at least one test, and the starters fail every call.
# Prints a report; exits 1 if any sample misbehaves.
import copy
import os
import sys
import tomllib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import labs56_reference as ref  # noqa: E402
import labs_check_samples as base  # noqa: E402

LABS = ("05-lora", "06-quantization")
SEEDS = [21, 22, 23, 24, 25]


def make_input(spec, rng, folder):
    typed = ref.make_typed(spec, rng)
    return typed if typed is not None else base.make_input(spec, rng, folder)


def run_battery(lab, lab_folder, module):
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
            want = getattr(ref, component["name"])(*copy.deepcopy(args))
            function = getattr(module, component["name"], None)
            if function is None:
                failures.append((test["name"], seed, "function missing"))
                continue
            try:
                got = base.call_with_timeout(function, copy.deepcopy(args))
            except Exception as error:
                failures.append((test["name"], seed, f"{type(error).__name__}: {error}"[:80]))
                continue
            spec = dict(component)
            spec.setdefault("atol", 1e-5 if spec.get("returns", "tensor") != "int" else 0)
            spec.setdefault("rtol", 1e-4 if spec.get("returns", "tensor") != "int" else 0)
            reason = base.compare(spec, got, want)
            if reason:
                failures.append((test["name"], seed, reason))
    return failures


def main():
    with open(os.path.join(REPO, "submissions", "MANIFEST.toml"), "rb") as f:
        samples = [s for s in tomllib.load(f)["samples"] if s["lab"] in LABS]
    lines, problems = [], []
    labs = {}
    for serial, sample in enumerate(samples):
        lab_folder = os.path.join(REPO, "labs", sample["lab"])
        if sample["lab"] not in labs:
            with open(os.path.join(lab_folder, "lab.toml"), "rb") as f:
                labs[sample["lab"]] = tomllib.load(f)
        lab = labs[sample["lab"]]
        folder = os.path.join(REPO, "submissions", sample["path"])
        label = f"{sample['path']} [{sample['verdict']}" + (
            f"={sample['mistake']}]" if "mistake" in sample else "]")
        module = base.load_submission(folder, sample, lab["entry"], f"labs56_{serial}")
        failures = run_battery(lab, lab_folder, module)
        if sample["verdict"] == "full":
            if failures:
                detail = "; ".join(f"{t}@{s}: {r}" for t, s, r in failures[:5])
                problems.append(f"FAIL  {label}: {len(failures)} failed calls: {detail}")
            else:
                lines.append(f"ok    {label}: every test passes")
        elif sample["verdict"] == "mistake":
            if failures:
                lines.append(f"ok    {label}: caught by {', '.join(sorted({t for t, _, _ in failures}))}")
            else:
                problems.append(f"FAIL  {label}: no test detects this mistake")
        else:
            problems.append(f"FAIL  {label}: unexpected verdict for labs 05–06")
    for lab_id in LABS:
        lab_folder = os.path.join(REPO, "labs", lab_id)
        with open(os.path.join(lab_folder, "lab.toml"), "rb") as f:
            lab = tomllib.load(f)
        starter = base.load_submission(lab_folder, {"form": "file"}, lab["entry"], f"st_{lab_id}")
        failures = run_battery(lab, lab_folder, starter)
        calls = sum(1 if t.get("visibility") == "visible" else len(SEEDS) for t in lab["tests"])
        good = len(failures) == calls and all("NotImplementedError" in r for _, _, r in failures)
        (lines if good else problems).append(
            f"{'ok' if good else 'FAIL':5} starter {lab_id}: {len(failures)}/{calls} calls fail")
    print("\n".join(lines))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"all {len(samples)} lab 05–06 samples behave as MANIFEST.toml says")


if __name__ == "__main__":
    main()
