"""Kernel text generation for jit_compile: scalar forms of the ops' fusion templates."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from learnkeras.backend.op import REGISTRY
from learnkeras.tracing import fusion_codegen as cg


def _expr(op_name, args, dtypes, out, **attrs):
    names = [ast.Name(id=a) if isinstance(a, str) else a for a in args]
    return cg.scalar_expression(REGISTRY[op_name], attrs, names, dtypes, out)


def test_python_numbers_take_the_dtype_the_node_computes_in():
    assert _expr("relu", ["a0"], ["float32"], "float32") == "np.maximum(a0, np.float32(0))"
    assert _expr("multiply", [0.9, "a1"], [None, "float32"], "float32") == "np.float32(0.9) * a1"
    assert _expr("greater", ["a0", 0.5], ["float64", None], "bool") == "a0 > np.float64(0.5)"
    assert _expr("add", ["a0", 1], ["int32", None], "int32") == "np.int32(a0 + 1)"  # numba widens ints


def test_literals_round_trip_exactly():
    third = np.float32(1 / 3)
    text = ast.unparse(cg.literal(float(third), "float32"))
    assert np.float32(eval(text, {"np": np})) == third  # noqa: S307
    assert ast.unparse(cg.literal(0.1 - 1e-17, "float32")) == "np.float32(0.1)"  # same float32, shorter text
    assert ast.unparse(cg.literal(float("inf"), "float32")) == "np.float32(np.inf)"
    assert ast.unparse(cg.strong_literal(np.array(2, "int64"))) == "np.int64(2)"
    assert ast.unparse(cg.strong_literal(np.bool_(True))) == "True"


def test_where_cast_and_exp_become_scalar_code():
    assert _expr("where", ["c", "a0", 0.0], ["bool", "float32", None], "float32") == "a0 if c else np.float32(0.0)"
    assert _expr("cast", ["a0"], ["float32"], "int32", dtype="int32") == "np.int32(a0)"
    assert _expr("cast", ["a0"], ["float32"], "bool", dtype="bool") == "bool(a0)"
    assert _expr("exp", ["a0"], ["float32"], "float32") == "fast_exp(a0)"
    assert _expr("exp", ["a0"], ["int32"], "float32") == "np.float32(np.exp(a0))"  # fast_exp takes floats only
    assert _expr("round", ["a0"], ["float32"], "float32") == "np.float32(np.round(a0))"  # numba returns float64


def test_slow_calls_are_recognised():
    assert cg.is_slow("np.tanh(a0) + 1") and cg.is_slow("a0 ** np.float32(1.5)") and cg.is_slow("np.log(a0)")
    assert not cg.is_slow("fast_exp(a0) * np.sqrt(a1)") and not cg.is_slow("np.maximum(a0, np.float32(0))")


def test_kernel_text_and_the_kernel_cache(monkeypatch, tmp_path):
    text = cg.kernel_text(2, 1, [("v0", "a0 * s0", "multiply"), ("v1", "v0 + a1", "add")], [("v1", "float32")])
    assert text.splitlines()[:4] == [
        "def fused_kernel(n, x0, x1, s0):",
        "    out0 = np.empty(n, np.float32)",
        "    for i in range(n):",
        "        a0 = x0[i]",
    ]
    assert text.rstrip().endswith("return (out0,)")
    kernel = cg.get_kernel(text)
    assert cg.get_kernel(text) is kernel and kernel.key == cg.FusedKernel(text).key
    x, y = np.arange(4, dtype="float32"), np.ones(4, "float32")
    monkeypatch.setenv("LEARNKERAS_CACHE_DIR", str(tmp_path))
    assert cg.cache_dir() == tmp_path / "fused_kernels"
    np.testing.assert_array_equal(kernel(4, x, y, np.float32(2))[0], x * 2 + y)
    assert kernel.path.parent == tmp_path / "fused_kernels" and kernel.source in kernel.path.read_text()


def test_a_template_that_is_not_an_expression_is_refused():
    class Fake:
        name, fusion = "fake", "np.maximum({0}, "

    with pytest.raises(SyntaxError):
        cg.scalar_expression(Fake, {}, [ast.Name(id="a0")], ["float32"], "float32")
