# Probe for torch inputs: reports what type each argument arrived as, and echoes the arguments
# back unchanged so the grader can compare their bytes with what it sent.


def kinds(*args):
    return [f"{type(a).__module__}.{type(a).__name__} {a.dtype} "
            f"{getattr(getattr(a, 'device', None), 'type', 'numpy')}" for a in args]


def echo(*args):
    return list(args)
