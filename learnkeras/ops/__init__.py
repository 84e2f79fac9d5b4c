"""`learnkeras.ops`: the numpy-like functions, as `keras.ops` offers them.

Each works eagerly on tensors, arrays and numbers, records on an active
`GradientTape`, and adds a node to the graph while a function is traced.

>>> from learnkeras import ops
>>> ops.sum(ops.square([1.0, 2.0])).numpy()
np.float32(5.0)
"""

from learnkeras.backend import convert_to_tensor, stop_gradient  # noqa: F401
from learnkeras.backend.ops import *  # noqa: F401,F403
from learnkeras.backend.ops import __all__ as _backend_all

__all__ = ["convert_to_tensor", "stop_gradient", *_backend_all]
