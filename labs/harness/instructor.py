"""The bridge between lmlab and a lab's instructor code. lmlab copies this file, as
lmlab_instructor.py, beside the lab's reference.py and mistakes.py into a folder of their own and
runs it with runner.py in a sandboxed session that never holds a student's code; the grader then
calls the functions below by name.

mistakes.py declares its catalogue as a list of dicts:

    MISTAKES = [
        {"id": "temperature_multiplied", "component": "apply_temperature",
         "function": temperature_multiplied, "title": "...", "hint": "..."},
    ]
"""
import importlib
import inspect
import json
import os
import sys


def _load(file):
    """The module in `file` (a name from lab.toml), or None when lab.toml names none."""
    if not file:
        return None
    name = file[:-3]
    if name in sys.modules:
        return sys.modules[name]
    return importlib.import_module(name)


_FILES = {}


def _ensure_loaded():
    """Imports the files lmlab_instructor.json names, once per runner (it may be restarted after
    a hang or a crash, and then loads them again)."""
    if not _FILES:
        with open("lmlab_instructor.json", encoding="utf-8") as f:
            names = json.load(f)
        _FILES["reference"] = _load(names.get("reference"))
        _FILES["mistakes"] = _load(names.get("mistakes"))


def lmlab_load(reference_file, mistakes_file):
    """Imports the instructor's files; an error in them surfaces as this call's exception."""
    _ensure_loaded()
    return [reference_file or "", mistakes_file or ""]


def _parameters(function):
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def lmlab_reference_signature(component):
    """The parameter names of reference.py's function `component`, or None if it has none."""
    _ensure_loaded()
    function = getattr(_FILES.get("reference"), component, None)
    return _parameters(function) if callable(function) else None


def lmlab_catalogue():
    """mistakes.py's MISTAKES as plain dicts (id, component, title, hint, function, parameters);
    an entry lmlab cannot use is returned with a "problem" it reports to the instructor."""
    _ensure_loaded()
    module = _FILES.get("mistakes")
    if module is None:
        return []
    entries = getattr(module, "MISTAKES", None)
    if not isinstance(entries, (list, tuple)):
        return [{"problem": "defines no MISTAKES list (a list of dicts with id, component, "
                            "function, title, hint)"}]
    out = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            out.append({"problem": f"MISTAKES[{index}] is a {type(entry).__name__}, not a dict"})
            continue
        item = {key: entry.get(key) for key in ("id", "component", "title", "hint")}
        missing = [key for key, value in item.items() if not isinstance(value, str) or not value]
        function = entry.get("function")
        if not callable(function):
            missing.append("function")
        if missing:
            item["problem"] = f"MISTAKES[{index}] lacks {', '.join(missing)} (non-empty)"
        else:
            item["function"] = function.__name__
            item["parameters"] = _parameters(function)
        out.append({key: value for key, value in item.items() if value is not None})
    return out


def lmlab_reference(component, *args):
    _ensure_loaded()
    return getattr(_FILES["reference"], component)(*args)


def lmlab_mistake(index, *args):
    _ensure_loaded()
    return _FILES["mistakes"].MISTAKES[index]["function"](*args)
