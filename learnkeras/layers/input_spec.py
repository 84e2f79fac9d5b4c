"""`InputSpec`: what a layer accepts, checked before every call (step 3 of `Layer.__call__`)."""

from __future__ import annotations

from learnkeras.backend import dtypes, nest

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """Rank, dtype and axis sizes a layer expects of an input. `None` means "anything"."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None, name=None):
        self.dtype = None if dtype is None else dtypes.standardize_dtype(dtype)
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {})]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {k: v for k, v in vars(self).items()}


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raise ValueError, naming the layer, the expectation and the received shape, on a mismatch."""
    if not input_spec:
        return
    specs = nest.flatten(input_spec)
    flat = nest.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} input tensors.'
        )
    for i, (x, spec) in enumerate(zip(flat, specs)):
        if spec is None:
            continue
        shape = tuple(x.shape)
        ndim = len(shape)
        where = f"Input {i} of layer '{layer_name}' is incompatible with the layer:"
        if spec.ndim is not None and ndim != spec.ndim:
            raise ValueError(f"{where} expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where} expected max_ndim={spec.max_ndim}, found ndim={ndim}. Full shape received: {shape}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where} expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is not None and -ndim <= axis < ndim and shape[axis] not in (value, None):
                raise ValueError(
                    f"{where} expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {shape}"
                )
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(f"{where} expected shape={spec.shape}, found shape={shape}")
