"""Values that flow through converted code, and the small checks the operators share.

`Undefined` stands for a variable with no value yet; the helpers tell
symbolic tensors from Python values, describe values in error messages, and
walk nested outputs (`x`, `x[0]`, `x['key']`) so an error can name the exact
variable.
"""

from __future__ import annotations

import numpy as np

from learnkeras.backend import context
from learnkeras.backend.tensor import SymbolicTensor, Tensor

__all__ = ["Undefined"]


# --- Undefined -----------------------------------------------------------------------------------
class Undefined:
    """The value of a variable that has no value yet.

    Branch and body functions receive their variables as arguments, so a
    variable that Python would leave unbound is passed as `Undefined("name")`.
    Using it (arithmetic, attributes, truth value, calling) raises the error
    Python would have raised; a tensor-dependent `if` or loop that would leave
    a later-used variable undefined raises an error naming it.
    """

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str):
        object.__setattr__(self, "symbol_name", symbol_name)

    def __repr__(self) -> str:
        return f"<undefined {self.symbol_name}>"

    def _fail(self, *args, **kwargs):
        name = object.__getattribute__(self, "symbol_name")
        raise UnboundLocalError(
            f"The variable '{name}' is used before it is given a value (it is assigned only on some paths "
            "through the code before this point). Assign it before it is used."
        )

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        self._fail()

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __setitem__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _fail
    __neg__ = __pos__ = __abs__ = __invert__ = __and__ = __or__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    __float__ = __int__ = __index__ = __array__ = _fail


# --- helpers -------------------------------------------------------------------------------
def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def is_variable(x) -> bool:
    return not isinstance(x, Undefined) and getattr(x, "is_variable", False)


def is_tensor_like(x) -> bool:
    """A leaf a graph can carry: tensors, arrays, Python numbers (and variables, read as values)."""
    if isinstance(x, Undefined):
        return False
    return isinstance(x, (Tensor, SymbolicTensor, np.ndarray, np.generic, bool, int, float)) or is_variable(x)


def as_tuple(values, n: int) -> tuple:
    if n == 0:
        return ()
    if n == 1:
        return (values,)
    return tuple(values)


def result(state: tuple, n: int):
    if n == 0:
        return None
    if n == 1:
        return state[0]
    return tuple(state)


def dtype_of(x) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int32"
    if isinstance(x, float):
        return "float32"
    return str(np.asarray(x).dtype) if isinstance(x, (np.ndarray, np.generic)) else x.dtype


def rank_of(x) -> int:
    return len(np.shape(x)) if isinstance(x, (np.ndarray, np.generic, bool, int, float)) else len(x.shape)


def describe(x) -> str:
    if isinstance(x, Undefined):
        return "undefined"
    if x is None:
        return "None"
    if is_variable(x):
        return f"a variable ({x.dtype}{list(x.shape)})"
    if isinstance(x, (Tensor, SymbolicTensor)):
        return f"a tensor ({x.dtype}{list(x.shape)})".replace("None", "?")
    if isinstance(x, (bool, int, float)):
        return f"the Python {type(x).__name__} {x!r}"
    if isinstance(x, list):
        return f"a Python list of {len(x)} item(s)"
    if isinstance(x, tuple):
        return f"a tuple of {len(x)} item(s)"
    if isinstance(x, dict):
        return f"a dict with keys {sorted(x, key=str)}"
    return f"a {type(x).__name__} object"


def leaves_with_paths(value, name: str):
    """(path, leaf) pairs: `x`, or `x[0]`, `x['key']` inside tuples/lists/dicts."""
    if isinstance(value, dict):
        out = []
        for key in sorted(value):
            out.extend(leaves_with_paths(value[key], f"{name}[{key!r}]"))
        return out
    if isinstance(value, (list, tuple)) and not is_tensor_array(value):
        out = []
        for i, v in enumerate(value):
            out.extend(leaves_with_paths(v, f"{name}[{i}]"))
        return out
    if is_tensor_array(value):
        return [(name, value[0])]
    return [(name, value)]


def is_tensor_array(x) -> bool:
    return isinstance(x, tuple) and getattr(type(x), "_fields", None) == ("buffer",)


def same_structure(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) and all(
            same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, list) == isinstance(b, list) and isinstance(a, (list, tuple))
                and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(same_structure(x, y) for x, y in zip(a, b)))
    return True


def to_bool(x):
    if is_symbolic(x):
        from learnkeras.backend.ops import not_equal

        return x if x.dtype == "bool" else not_equal(x, 0)
    return bool(x)



def is_dataset(x) -> bool:
    from learnkeras.data import Dataset

    return isinstance(x, Dataset)


def needs_graph_loop(iterable) -> bool:
    """A symbolic tensor, or a Dataset while tracing: Python cannot iterate it here."""
    from learnkeras.tracing.autograph.loops import TensorRange

    return is_symbolic(iterable) or isinstance(iterable, TensorRange) or (bool(context.graphs) and is_dataset(iterable))
