# The lmlab harness: runs inside the sandbox, imports one student module and serves call frames
# from the grader over private file descriptors. Started as
#   python3 -I -B /harness/runner.py --entry <module.py> --limits <json>
# with the (read-only) submission folder as the working directory. A warm runner (a sandbox pool's)
#   python3 -I -B /harness/runner.py --warm [--preload torch] --limits <json>
# starts the same way over a still empty folder, imports NumPy (and torch), says "warm", and
# only when a "load" frame names the entry — the grader has staged one submission into the
# folder by then — imports the student's module and goes on as above.
import os
import resource
import sys
import time

# rlimits first, before anything the student controls or NumPy allocates.
_LIMITS = {
    "memory_mb": (resource.RLIMIT_AS, 1 << 20),
    "cpu_seconds": (resource.RLIMIT_CPU, 1),
    "file_size_mb": (resource.RLIMIT_FSIZE, 1 << 20),
    "open_files": (resource.RLIMIT_NOFILE, 1),
    "processes": (resource.RLIMIT_NPROC, 1),
}


def _parse_arguments(argv):
    options = {}
    index = 1
    while index < len(argv):
        key = argv[index]
        if key in ("--entry", "--limits", "--preload") and index + 1 < len(argv):
            options[key[2:]] = argv[index + 1]
            index += 2
        elif key == "--warm":
            options["warm"] = True
            index += 1
        else:
            sys.stderr.write(f"runner: unknown argument {key}\n")
            sys.exit(2)
    if "entry" not in options and not options.get("warm"):
        sys.stderr.write("runner: --entry <module.py> (or --warm) is required\n")
        sys.exit(2)
    return options


def _apply_limits(text):
    import json
    notes = []
    for key, value in json.loads(text or "{}").items():
        if key not in _LIMITS or value is None:
            continue
        which, unit = _LIMITS[key]
        wanted = int(value * unit)
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                wanted = min(wanted, hard)
            resource.setrlimit(which, (wanted, wanted))
        except (ValueError, OSError) as error:
            notes.append(f"could not set limit {key}={value}: {error}")
    return notes


OPTIONS = _parse_arguments(sys.argv)
NOTES = _apply_limits(OPTIONS.get("limits"))

# The protocol moves to private descriptors; fd 0 reads /dev/null and fd 1 goes to stderr, so
# any print — from Python or from C — lands in the log and never in a frame.
PROTOCOL_IN = os.dup(0)
PROTOCOL_OUT = os.dup(1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
os.dup2(2, 1)
sys.stdout = sys.stderr

import importlib  # noqa: E402
import importlib.util  # noqa: E402
import traceback  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_lmlab_protocol", os.path.join(HERE, "protocol.py"))
protocol = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(protocol)
np = protocol.np

SUBMISSION = os.path.realpath(os.getcwd())
ENTRY = OPTIONS.get("entry", "")


def _relative(path):
    if not path or not os.path.isabs(path):
        return None
    real = os.path.realpath(path)
    if real.startswith(SUBMISSION + os.sep):
        return os.path.relpath(real, SUBMISSION)
    return None


def student_error(error):
    """An exception → the protocol's ERR, with only the student's frames in the traceback."""
    kind = "MemoryError" if isinstance(error, MemoryError) else type(error).__name__
    message = str(error)
    file = line = text = None
    lines = []
    if isinstance(error, SyntaxError):
        file = _relative(error.filename) or error.filename
        line = error.lineno
        text = (error.text or "").strip() or None
        message = error.msg
        lines.append(f'  File "{file}", line {line}\n')
        if text:
            lines.append(f"    {text}\n")
    for frame in traceback.extract_tb(error.__traceback__):
        relative = _relative(frame.filename)
        if relative is None:
            continue
        if not isinstance(error, SyntaxError):
            file, line, text = relative, frame.lineno, (frame.line or "").strip() or None
        lines.append(f'  File "{relative}", line {frame.lineno}, in {frame.name}\n')
        if frame.line:
            lines.append(f"    {frame.line.strip()}\n")
    header = "Traceback (most recent call last):\n" if lines else ""
    tail = f"{kind}: {message}" if message else kind
    return {"type": kind, "message": message, "file": file, "line": line, "text": text,
            "traceback": header + "".join(lines) + tail}


class ConversionError(Exception):
    pass


def _is_number(value):
    if isinstance(value, (bool, int, float)):
        return True
    return isinstance(value, np.generic) and value.dtype.kind in "biuf"


def _all_numbers(value):
    if isinstance(value, (list, tuple)):
        return all(_all_numbers(item) for item in value)
    return _is_number(value)


def _normalised(array):
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return array.astype("|b1", copy=False)
    if kind == "f":
        return array.astype({2: "<f2", 4: "<f4"}.get(size, "<f8"), copy=False)
    if kind in "iu":
        if kind == "i" and size in (1, 4, 8):
            return array.astype({1: "|i1", 4: "<i4", 8: "<i8"}[size], copy=False)
        if kind == "u" and size == 1:
            return array.astype("|u1", copy=False)
        return array.astype("<i8")
    raise ConversionError(f"returned an array of dtype {array.dtype}, expected numbers")


def _tensor_values(tensor, where):
    """A returned torch.Tensor as a NumPy array of exactly its values (bfloat16 widens to
    float32, which holds every bfloat16); a tensor the grader should not silently move or
    detach is an error that says what to return instead."""
    if tensor.device.type != "cpu":
        raise ConversionError(f"returned a tensor on {tensor.device}{where}; return it on the "
                              "CPU (.cpu())")
    if tensor.requires_grad:
        raise ConversionError(f"returned a tensor that requires grad{where}; return "
                              ".detach() of it (grading reads values, not gradients)")
    if tensor.is_complex():
        raise ConversionError(f"returned a complex tensor{where}, expected real numbers")
    if str(tensor.dtype) == "torch.bfloat16":
        tensor = tensor.float()
    return tensor.resolve_conj().resolve_neg().contiguous().numpy()


def _as_torch(value, torch):
    """Decoded NumPy inputs → CPU torch.Tensors sharing the very same memory (torch.from_numpy),
    so a torch test's inputs are bit-identical to the NumPy test's; other values pass as they are."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, dict):
        return {key: _as_torch(item, torch) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_torch(item, torch) for item in value]
    return value


def _torch_inputs(args, kwargs):
    try:
        import torch
    except ImportError as error:
        raise ConversionError(f"this test hands torch tensors but torch does not import in the "
                              f"sandbox ({error}); ask the instructor to run .ci/setup") from None
    return _as_torch(args, torch), _as_torch(kwargs, torch)


def describe(value, writer, where=""):
    """A student's return value → a protocol descriptor (see labs-spec: output conversion)."""
    if value is None or isinstance(value, (bool, int, str)):
        return {"t": "json", "value": value}
    if isinstance(value, float):
        return protocol.encode_array(np.asarray(value, dtype="<f8"), writer)
    if isinstance(value, np.generic):
        if value.dtype.kind == "b":
            return {"t": "json", "value": bool(value)}
        if value.dtype.kind in "iu":
            return {"t": "json", "value": int(value)}
        if value.dtype.kind == "f":
            return protocol.encode_array(np.asarray(value, dtype="<f8"), writer)
        raise ConversionError(f"returned a {value.dtype} scalar{where}, expected a real number")
    if isinstance(value, np.ndarray):
        return protocol.encode_array(_normalised(value), writer)
    module = type(value).__module__ or ""
    if module.startswith("torch") and hasattr(value, "detach"):
        return protocol.encode_array(_normalised(_tensor_values(value, where)), writer)
    if isinstance(value, dict):
        prefix = where or " at "
        return {"t": "dict", "items": {str(key): describe(item, writer, f"{prefix}[{key!r}]")
                                       for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        if value and _all_numbers(value):
            try:
                array = np.asarray(value)
            except ValueError:
                array = None
            if array is not None and array.dtype.kind in "biuf":
                return protocol.encode_array(_normalised(array), writer)
        return {"t": "list", "items": [describe(item, writer, f"{where or ' at '}[{index}]")
                                       for index, item in enumerate(value)]}
    if hasattr(value, "__array__"):
        return protocol.encode_array(_normalised(np.asarray(value)), writer)
    raise ConversionError(f"returned a {type(value).__name__}{where}, expected an array-like")


def _load_student_module():
    sys.path[:] = [SUBMISSION] + [path for path in sys.path if path and path != SUBMISSION]
    name = ENTRY[:-3] if ENTRY.endswith(".py") else ENTRY
    try:
        module = importlib.import_module(name)
    except BaseException as error:  # noqa: BLE001 — any failure of student code is reported
        return None, student_error(error)
    return module, None


def _functions(module):
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, type) or type(value).__name__ == "module":
            continue
        if callable(value):
            found.append(name)
    return sorted(found)


def _missing(name, module):
    import difflib
    message = f"function {name} not found in {ENTRY} — did you rename it?"
    close = difflib.get_close_matches(name, _functions(module), n=1)
    if close:
        message += f" (found {close[0]})"
    return {"type": "MissingFunction", "message": message, "file": ENTRY, "line": None,
            "text": None, "traceback": message}


def serve_call(module, header, payload):
    call_id = header.get("id")
    name = header.get("function", "")
    function = getattr(module, name, None) if isinstance(name, str) else None
    if not callable(function) or name.startswith("_"):
        return {"op": "result", "id": call_id, "ok": False, "error": _missing(name, module),
                "seconds": 0.0}, b""
    try:
        args = [protocol.decode(desc, payload) for desc in header.get("args", [])]
        kwargs = {key: protocol.decode(desc, payload)
                  for key, desc in header.get("kwargs", {}).items()}
        if header.get("framework") == "torch":
            args, kwargs = _torch_inputs(args, kwargs)
    except Exception as error:  # noqa: BLE001
        failure = {"type": "HarnessError", "message": f"bad arguments: {error}", "file": None,
                   "line": None, "text": None, "traceback": f"bad arguments: {error}"}
        return {"op": "result", "id": call_id, "ok": False, "error": failure,
                "seconds": 0.0}, b""
    del payload
    start = time.perf_counter()
    try:
        value = function(*args, **kwargs)
    except BaseException as error:  # noqa: BLE001 — a student exception never ends the loop
        seconds = time.perf_counter() - start
        return {"op": "result", "id": call_id, "ok": False, "error": student_error(error),
                "seconds": seconds}, b""
    seconds = time.perf_counter() - start
    writer = protocol.PayloadWriter()
    try:
        desc = describe(value, writer)
    except (ConversionError, protocol.ProtocolError) as error:
        message = f"{name} {error}"
        failure = {"type": "ReturnTypeError", "message": message, "file": ENTRY, "line": None,
                   "text": None, "traceback": message}
        return {"op": "result", "id": call_id, "ok": False, "error": failure,
                "seconds": seconds}, b""
    return {"op": "result", "id": call_id, "ok": True, "value": desc,
            "seconds": seconds}, writer.bytes()


def _wait_for_submission():
    """A warm runner: preload, say "warm", then wait for the one submission it will serve.
    Returns False when told to exit (the pool is closing) before any submission came."""
    global ENTRY
    protocol.write_frame(PROTOCOL_OUT, {"op": "warm"})
    frame = protocol.read_frame(PROTOCOL_IN)
    if frame is None or frame[0].get("op") != "load":
        return False
    entry = frame[0].get("entry")
    if not isinstance(entry, str) or not entry or "/" in entry:
        sys.stderr.write(f"runner: bad entry in load frame {entry!r}\n")
        return False
    ENTRY = entry
    # Before any student code: a runner that dies from here on died of the submission.
    protocol.write_frame(PROTOCOL_OUT, {"op": "loading"})
    return True


def _preload():
    """--preload torch (a torch lab): torch is imported before the student's module, inside the
    start-up limit, so that no timed call pays for its import."""
    if OPTIONS.get("preload") == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            pass  # a torch test says so when it hands tensors


def main():
    notes = list(NOTES)
    _preload()
    if OPTIONS.get("warm") and not _wait_for_submission():
        return 0
    module, failure = _load_student_module()
    sys.stdout = sys.stderr  # in case the student's module replaced it
    if failure is not None:
        protocol.write_frame(PROTOCOL_OUT, {"op": "ready", "ok": False, "error": failure})
        return 0
    versions = f"python {sys.version.split()[0]}, numpy {np.__version__}"
    if "torch" in sys.modules:  # preloaded for a torch lab, or imported by the submission
        versions += f", torch {getattr(sys.modules['torch'], '__version__', '?')}"
    notes.append(versions)
    protocol.write_frame(PROTOCOL_OUT, {"op": "ready", "ok": True,
                                        "functions": _functions(module), "notes": notes})
    while True:
        frame = protocol.read_frame(PROTOCOL_IN)
        if frame is None:
            return 0
        header, payload = frame
        op = header.get("op")
        if op == "exit":
            return 0
        if op != "call":
            sys.stderr.write(f"runner: unknown op {op!r}\n")
            return 3
        reply, data = serve_call(module, header, payload)
        sys.stdout = sys.stderr
        try:
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        protocol.write_frame(PROTOCOL_OUT, reply, data)


if __name__ == "__main__":
    _status = main()
    # Leave without the interpreter's teardown: finalising torch's modules alone takes most of a
    # second, paid by every grade while the grader waits for the runner to go. What the student
    # printed is flushed first; nothing else needs an orderly exit.
    for _stream in (sys.stderr, sys.__stderr__):
        try:
            _stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(_status)
