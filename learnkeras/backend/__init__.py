"""The backend: tensors, variables, the op table, autodiff, and numba kernels.

The Keras counterpart is `keras/src/backend` plus `tf.GradientTape`.
"""

from learnkeras.backend import ops  # noqa: F401  (fills the operator table of Tensor)
from learnkeras.backend.dtypes import floatx, is_float_dtype, set_floatx, standardize_dtype
from learnkeras.backend.op import Op, convert_to_tensor
from learnkeras.backend.tape import GradientTape, stop_gradient
from learnkeras.backend.tensor import SymbolicTensor, Tensor, TensorSpec, is_symbolic, is_tensor
from learnkeras.backend.variables import Variable

__all__ = [
    "GradientTape", "Op", "SymbolicTensor", "Tensor", "TensorSpec", "Variable", "clear_session",
    "convert_to_tensor", "floatx", "is_float_dtype", "is_symbolic", "is_tensor", "set_floatx",
    "standardize_dtype", "stop_gradient",
]

_session_hooks: list = []


def register_clear_session_hook(fn) -> None:
    """Layers register their name counters here so `clear_session` can reset them."""
    _session_hooks.append(fn)


def clear_session() -> None:
    """Forget generated layer names (so the next Dense is `dense` again), as Keras does."""
    for fn in _session_hooks:
        fn()
