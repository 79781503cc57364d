# Fails at import: a module that does not exist here.
import numpy as np
import definitely_not_a_module_lmlab


def softmax(x):
    return x
