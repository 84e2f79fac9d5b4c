"""jit_compile fusion: which nodes are grouped, and that fused schedules compute what unfused ones do.

Every comparison runs the same traced function twice, with and without
`jit_compile`, so the reference is numpy itself. With `NUMBA_DISABLE_JIT=1`
the kernels run as Python loops: the arrays here are kept tiny for that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import learnkeras as keras
from learnkeras import ops
from learnkeras.tracing import fusion_codegen
from learnkeras.tracing.fusion import FusedExecutable

JIT = os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")
RTOL = 1e-6


def _fused(fn, *args) -> FusedExecutable:
    return keras.function(fn, jit_compile=True, autograph=False).get_concrete_function(*args).executable


def _both(fn, *args):
    """fn's outputs fused and unfused, as lists of numpy arrays."""
    fused = keras.function(fn, jit_compile=True, autograph=False)(*args)
    plain = keras.function(fn, autograph=False)(*args)
    as_list = lambda r: [t.numpy() for t in (r if isinstance(r, (tuple, list)) else [r])]
    return as_list(fused), as_list(plain)


def _assert_close(fused, plain, rtol=RTOL, atol=0.0):
    assert len(fused) == len(plain)
    for a, b in zip(fused, plain):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _ops(exe) -> list[list[str]]:
    return [[n.op.name for n in group.nodes] for group in exe.kernels]


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# --- which nodes are fused ---------------------------------------------------------------------
def test_a_chain_of_five_elementwise_ops_is_one_kernel():
    def chain(x):
        return ops.relu(ops.abs(x * 2.0 + 1.0) - 3.0)

    exe = _fused(chain, _x(3, 4))
    assert _ops(exe) == [["multiply", "add", "abs", "subtract", "relu"]]
    assert "fused_0(a0)" in exe.source and "multiply_" not in exe.source
    _assert_close(*_both(chain, _x(3, 4)))


def test_a_matmul_in_the_middle_splits_the_chain_and_stays_a_numpy_call():
    def f(x, w):
        h = ops.matmul(x * 2.0 + 1.0, w)
        return ops.relu(h * 3.0 - 1.0)

    x, w = _x(3, 4), _x(4, 5, seed=1)
    exe = _fused(f, x, w)
    assert _ops(exe) == [["multiply", "add"], ["multiply", "subtract", "relu"]]
    assert "matmul_" in exe.source
    _assert_close(*_both(f, x, w))


def test_a_value_needed_outside_the_group_is_still_written():
    def f(x, w):
        a = ops.abs(x * 2.0 - 0.5)  # read by the matmul and by the sum, both outside the group
        return ops.matmul(a, w), ops.sum(a), a

    x, w = _x(3, 4), _x(4, 2, seed=1)
    exe = _fused(f, x, w)
    assert _ops(exe) == [["multiply", "subtract", "abs"]]
    group = exe.kernels[0]
    assert [o.node.op.name for o in group.outputs] == ["abs"]
    _assert_close(*_both(f, x, w))


def test_a_group_never_runs_after_something_that_reads_it():
    def f(x):
        y = x * 2.0 + 1.0
        s = ops.sum(y)  # reads y between y and z: z cannot join y's group (it would run after the sum)
        return ops.abs(y * s - 1.0)

    exe = _fused(f, _x(3, 4))
    assert _ops(exe) == [["multiply", "add"], ["multiply", "subtract", "abs"]]
    assert exe.source.index("fused_0") < exe.source.index("sum_") < exe.source.index("fused_1")
    _assert_close(*_both(f, _x(3, 4)))


def test_a_multi_output_group_where_two_branches_meet():
    def f(x):
        a = x * 3.0
        b = ops.maximum(x, 0.5)
        return a + b, a

    exe = _fused(f, _x(2, 3))
    assert _ops(exe) == [["multiply", "maximum", "add"]]
    assert len(exe.kernels[0].outputs) == 2
    _assert_close(*_both(f, _x(2, 3)))


def test_different_shapes_are_not_fused():
    def f(x, b):
        return (x * 2.0 + b) * 3.0 - 1.0  # the add broadcasts b: (3, 4) + (4,)

    exe = _fused(f, _x(3, 4), _x(4))
    assert all("add" not in names for names in _ops(exe))
    assert _ops(exe) == [["multiply", "subtract"]]
    _assert_close(*_both(f, _x(3, 4), _x(4)))


def test_unknown_dimensions_fuse_only_when_proven_equal():
    spec = keras.TensorSpec((None, 4))

    def different(x, y):  # two batch sizes that need not match (y's may be 1 and broadcast)
        return ops.abs(x * 2.0) + y

    def same(x, w):  # x's batch dimension flows through the matmul: h and x * 2 share it
        h = ops.matmul(x, w)
        return ops.abs(h * 2.0) + x * 3.0

    assert _ops(_fused(different, spec, spec)) == [["multiply", "abs"]]
    assert _ops(_fused(same, spec, _x(4, 4))) == [["multiply", "abs", "multiply", "add"]]
    concrete = keras.function(different, jit_compile=True, autograph=False).get_concrete_function(spec, spec)
    out = concrete(_x(3, 4), _x(1, 4)).numpy()  # y broadcasts at run time: numpy's answer, as unfused
    np.testing.assert_allclose(out, np.abs(_x(3, 4) * 2) + _x(1, 4), rtol=RTOL)


def test_single_ops_scalars_and_slow_functions_stay_numpy_calls():
    def f(x):
        s = ops.sum(x)
        return ops.relu(x), s * 2.0 + 1.0, ops.tanh(x * 2.0) * 3.0

    exe = _fused(f, _x(3, 4))
    assert exe.kernels == []  # relu alone; scalars; tanh is faster in numpy's SIMD loop than in ours
    _assert_close(*_both(f, _x(3, 4)))


# --- numbers ------------------------------------------------------------------------------------
def test_forward_matches_unfused_across_templates():
    def f(x, y, flag):
        a = ops.where(ops.greater(x, 0.0), x, 0.1 * x)
        b = ops.clip(a, -0.5, 2.0) / (ops.abs(y) + 1.0)
        c = ops.sigmoid(b) + ops.sqrt(ops.square(y) + 1e-3) - ops.sign(x) * ops.minimum(x, y)
        d = ops.cast(ops.logical_and(ops.greater_equal(c, 0.5), flag), "float32") * ops.exp(-ops.abs(c))
        e = ops.round(c * 4.0) + ops.negative(d) + ops.hard_sigmoid(x) + ops.relu6(y * 5.0)
        return e, ops.cast(e > 1.0, "int32") + ops.cast(flag, "int32"), ops.silu(e) * ops.leaky_relu(y, 0.3)

    x, y = _x(4, 5), _x(4, 5, seed=1)
    flag = np.random.default_rng(2).random((4, 5)) > 0.3
    exe = _fused(f, x, y, flag)
    assert len(exe.kernels) >= 1 and sum(len(g.nodes) for g in exe.kernels) > 20
    _assert_close(*_both(f, x, y, flag))


def test_arithmetic_is_bit_exact_and_float64_stays_float64():
    def f(v, g, w, lr):
        v2 = ops.add(ops.multiply(0.9, v), ops.multiply(0.1, ops.square(g)))
        return (w - lr * g / ops.sqrt(v2 + 1e-7),)

    for dtype in ("float32", "float64"):
        v, g, w = (np.abs(_x(5, 6, seed=s)).astype(dtype) for s in range(3))
        lr = np.asarray(0.01, dtype)
        fused, plain = _both(f, v, g, w, lr)
        assert fused[0].dtype == dtype
        np.testing.assert_array_equal(fused[0], plain[0])  # + - * / sqrt: rounded per op, exactly as numpy


def test_gradient_graph_matches_unfused():
    w = keras.Variable(_x(4, 3, seed=5), name="w")

    def grads(x):
        with keras.GradientTape() as tape:
            h = ops.matmul(x, w)
            y = ops.where(ops.greater(h, 0.0), h, 0.2 * h)
            z = ops.sigmoid(y) * y + ops.square(h - 1.0) + ops.maximum(h, 0.3) * 0.5
            loss = ops.mean(z)
        return tape.gradient(loss, w), loss

    x = _x(6, 4)
    exe = _fused(grads, x)
    assert any(len(g.nodes) >= 3 for g in exe.kernels)  # the gradient rules' multiply/where/... chains
    _assert_close(*_both(grads, x), atol=1e-7)


def _tiny_model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", jit_compile=False)
    return model


def test_a_train_step_gives_the_same_weights_fused_and_unfused():
    x, y = _x(16, 6), np.random.default_rng(4).integers(0, 3, 16)
    weights = []
    for jit in (True, False):
        model = _tiny_model()
        step = keras.function(model.train_step, jit_compile=jit, autograph=False, generalize_batch_dim=True)
        for i in range(3):
            logs = step((x[i * 4:], y[i * 4:]))  # 16, 12, 8 rows: one trace serves every batch size
        weights.append((model.get_weights(), float(logs["loss"])))
        if jit:
            exe = step.get_concrete_function((x, y)).executable
            assert len(exe.kernels) >= 4  # the RMSprop updates, two kernels per variable
    (fused, loss_fused), (plain, loss_plain) = weights
    np.testing.assert_allclose(loss_fused, loss_plain, rtol=RTOL)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-7)


@settings(max_examples=6 if JIT else 15, deadline=None)
@given(st.lists(st.sampled_from(["add", "multiply", "subtract", "maximum", "relu", "abs", "square", "sigmoid",
                                 "where", "divide"]), min_size=2, max_size=6),
       st.integers(0, 2**16))
def test_random_chains_match_unfused(names, seed):
    x, y = _x(3, 5, seed=seed), _x(3, 5, seed=seed + 1)

    def f(x, y):
        v = x
        for name in names:
            if name == "relu":
                v = ops.relu(v)
            elif name == "abs":
                v = ops.abs(v)
            elif name == "square":
                v = ops.square(v)
            elif name == "sigmoid":
                v = ops.sigmoid(v)
            elif name == "where":
                v = ops.where(v > y, v, y * 0.5)
            elif name == "divide":
                v = v / (ops.abs(y) + 1.0)
            else:
                v = getattr(ops, name)(v, y)
        return v

    _assert_close(*_both(f, x, y), atol=1e-7)


# --- kernels: caching, text, fallbacks -------------------------------------------------------------
def test_the_same_expression_reuses_the_kernel_object():
    def f(x):
        return ops.relu(x * 1.5 - 0.25)

    def g(z):  # another function, another graph, the same expression
        return ops.relu(z * 1.5 - 0.25)

    a, b = _fused(f, _x(2, 3)), _fused(g, _x(7))
    assert a.kernels[0].kernel is b.kernels[0].kernel
    assert fusion_codegen.get_kernel(a.kernels[0].source) is a.kernels[0].kernel


def test_the_kernel_source_is_readable_python_with_the_loop():
    def f(x):
        return ops.relu(x * 2.0 + 1.0)

    exe = _fused(f, _x(2, 3))
    source = exe.kernels[0].source
    assert source.startswith("def fused_kernel(n, x0):")
    assert "for i in range(n):" in source and "np.empty(n, np.float32)" in source
    assert "# multiply" in source and "np.maximum(" in source
    compile(source, "<kernel>", "exec")  # it is plain Python
    assert [node.op.name for node in exe.kernels[0].nodes] == ["multiply", "add", "relu"]
    assert "not compiled yet" in exe.describe()
    exe.run(_x(2, 3))
    text = exe.describe()
    assert "fused_0: 3 nodes on shape [2,3]: %0 multiply, %1 add, %2 relu" in text
    assert source.splitlines()[0] in text and "schedule:" in text
    assert "compiled" in text


def test_a_group_runs_unfused_if_shapes_disagree_at_run_time():
    def f(x, y):
        return ops.abs(x * 2.0 + y)

    x, y = _x(2, 3), _x(2, 3, seed=1)
    exe = _fused(f, x, y)
    assert "if a1.shape != shape:" in exe.kernels[0].wrapper
    fused_call = exe._namespace["fused_0"]  # the function the schedule calls
    np.testing.assert_allclose(fused_call(x, y)[0], np.abs(x * 2 + y), rtol=RTOL)
    # Shapes were proven equal, so this never happens in a schedule; if it did, the ops run one by one.
    row = y[:1]
    np.testing.assert_allclose(fused_call(x, row)[0], np.abs(x * 2 + row), rtol=RTOL)


def test_identities_cost_nothing_and_the_unfused_version_still_runs():
    from learnkeras.backend.ops.math import sum_to_like

    def f(x, y):
        a = ops.abs(x * 2.0 + y)
        return sum_to_like(ops.cast(a, "float32"), y) * 3.0, a  # both identities when the shapes match

    spec = keras.TensorSpec((None, 3))
    exe = keras.function(f, jit_compile=True, autograph=False).get_concrete_function(spec, spec).executable
    assert exe.kernels == []  # x and y may differ in batch size: nothing is proven equal
    x, y = _x(4, 3), _x(4, 3, seed=1)
    exe = _fused(f, x, y)
    assert _ops(exe) == [["multiply", "add", "abs", "cast", "sum_to_like", "multiply"]]
    body = exe.kernels[0].source
    assert "cast" not in body and "sum_to_like" not in body  # no line, no work
    a = np.abs(x * 2 + y)
    fused_out, a_fused = exe.run(x, y)
    a_unfused, unfused_out = exe._namespace["unfused_0"](x, y)  # the group's outputs, in node order
    for got, want in ((fused_out, a * 3), (unfused_out, a * 3), (a_fused, a), (a_unfused, a)):
        np.testing.assert_allclose(got, want, rtol=RTOL)


@pytest.mark.skipif(not JIT, reason="needs numba to compile (and to refuse) something")
def test_a_kernel_numba_cannot_compile_falls_back_to_numpy(monkeypatch):
    from learnkeras.backend.op import REGISTRY, Op

    op = REGISTRY.get("test_fusion_uncompilable") or Op(
        "test_fusion_uncompilable", lambda x: np.asarray(x * 2.0, dtype=x.dtype),
        shape_fn=lambda x: keras.TensorSpec(x.shape, x.dtype), elementwise=True,
        fusion="undefined_function({0})",  # a name numba cannot resolve
    )

    def f(x):
        return op(ops.abs(x) + 1.0)

    x = _x(2, 3)
    with pytest.warns(RuntimeWarning, match="could not be compiled"):
        out = keras.function(f, jit_compile=True, autograph=False)(x).numpy()
    np.testing.assert_allclose(out, (np.abs(x) + 1) * 2, rtol=RTOL)
    exe = _fused(f, x)
    assert "could not be compiled" in exe.describe()


@pytest.mark.skipif(not JIT, reason="the disk cache holds numba's machine code")
def test_a_new_process_loads_the_kernel_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNKERAS_CACHE_DIR", str(tmp_path))
    script = textwrap.dedent("""
        import json, numpy as np, learnkeras as keras
        from learnkeras import ops
        f = keras.function(lambda x: ops.relu(x * 0.123 + 4.56), jit_compile=True, autograph=False)
        x = np.ones((2, 2), "float32")
        out = f(x).numpy()
        k = f.get_concrete_function(x).executable.kernels[0].kernel
        print(json.dumps({"disk": k.from_disk_cache, "path": str(k.path), "out": out.tolist()}))
    """)
    here = {}
    exec(script.replace("print(", "here['json'] = ("), {"here": here})  # compiled here, written to tmp_path
    first = json.loads(here["json"])
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    second = json.loads(run.stdout.splitlines()[-1])
    assert first["disk"] is False and second["disk"] is True
    assert first["path"] == second["path"] and first["path"].startswith(str(tmp_path))
    np.testing.assert_allclose(second["out"], np.full((2, 2), 4.683), rtol=RTOL)


def test_with_numba_jit_disabled_kernels_run_as_python(tmp_path):
    script = textwrap.dedent("""
        import numpy as np, learnkeras as keras
        from learnkeras import ops
        def f(x):
            return ops.where(x > 0.0, ops.sigmoid(x) * 2.0, x * x - 1.0)
        x = np.linspace(-2, 2, 6, dtype="float32").reshape(2, 3)
        fused = keras.function(f, jit_compile=True, autograph=False)
        out = fused(x).numpy()
        ref = keras.function(f, autograph=False)(x).numpy()
        kernel = fused.get_concrete_function(x).executable.kernels[0].kernel
        assert not hasattr(kernel._compiled, "py_func"), kernel._compiled  # a plain Python function
        assert kernel._compiled.__wrapped__.__code__.co_name == "fused_kernel"
        np.testing.assert_allclose(out, ref, rtol=1e-6)
        print("ok")
    """)
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "LEARNKERAS_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
