"""learnkeras.backend.ops.state: reading and assigning variables, print and emit_event, eagerly."""

import numpy as np
import pytest

import learnkeras
from learnkeras import hooks, ops
from learnkeras.backend import GradientTape, Tensor, TensorSpec, Variable
from learnkeras.backend.op import REGISTRY


def test_read_variable_returns_the_current_value():
    v = Variable([1.0, 2.0])
    out = ops.read_variable(v)
    assert isinstance(out, Tensor) and out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    v.assign([3.0, 4.0])
    np.testing.assert_array_equal(ops.read_variable(v).numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])


def test_read_variable_passes_the_gradient_to_the_variable():
    v = Variable([1.0, 2.0])
    with GradientTape() as tape:
        y = ops.sum(ops.read_variable(v) * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [3.0, 3.0])


def test_assign_op_writes_and_returns_the_new_value():
    v = Variable(np.zeros((2,), "float32"))
    out = ops.assign(v, np.array([1.5, 2.5]))
    np.testing.assert_array_equal(out.numpy(), [1.5, 2.5])
    assert v.dtype == "float32" and out.dtype == "float32"
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        ops.assign(v, np.ones(3))


def test_state_ops_are_stateful_and_have_shape_rules():
    v = Variable(np.zeros((2, 3)))
    for name in ["read_variable", "assign", "print", "emit_event"]:
        assert REGISTRY[name].stateful
    assert REGISTRY["read_variable"].infer([v], {}) == [TensorSpec((2, 3), "float64")]
    assert REGISTRY["assign"].infer([v, TensorSpec((2, 3))], {}) == [TensorSpec((2, 3), "float64")]


def test_print_writes_values_and_emits_a_print_event(capsys):
    with hooks.record("print") as events:
        learnkeras.print("loss:", ops.convert_to_tensor(0.25), ops.convert_to_tensor([1, 2]))
    assert capsys.readouterr().out == "loss: 0.25 [1 2]\n"
    assert [e["text"] for e in events] == ["loss: 0.25 [1 2]\n"]
    learnkeras.print("a", "b", sep="-", end="!", output_stream="stderr")
    captured = capsys.readouterr()
    assert captured.err == "a-b!" and captured.out == ""


def test_emit_event_sends_tensor_values_as_python_numbers():
    with hooks.record("optimizer.apply") as events:
        ops.emit_event(
            "optimizer.apply",
            static={"optimizer": "sgd"},
            iteration=ops.convert_to_tensor(3),
            learning_rate=ops.convert_to_tensor(np.float32(0.5)),
        )
    (event,) = events
    assert event.payload == {"optimizer": "sgd", "iteration": 3, "learning_rate": 0.5}
    assert isinstance(event["iteration"], int)
    ops.emit_event("optimizer.apply", iteration=ops.convert_to_tensor(4))  # nobody listens: nothing happens


def test_emit_event_with_reduce_l2_norm_sends_each_tensors_norm():
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((64, 32)).astype("float32")
    bias = np.array([3.0, 4.0], dtype="float32")
    with hooks.record("train.gradients") as events:
        ops.emit_event("train.gradients", values={"d/kernel": ops.convert_to_tensor(kernel),
                                                  "d/bias": ops.convert_to_tensor(bias)}, reduce="l2_norm")
    (event,) = events
    assert set(event.payload) == {"d/kernel", "d/bias"}
    assert event["d/bias"] == 5.0 and isinstance(event["d/bias"], float)
    assert event["d/kernel"] == pytest.approx(np.linalg.norm(kernel.astype("float64")), rel=1e-6)


def test_emit_event_rejects_an_unknown_reduction():
    with pytest.raises(ValueError, match="`reduce` must be None or one of \\['l2_norm'\\]; received 'mean'"):
        ops.emit_event("x", values={"a": ops.convert_to_tensor(1.0)}, reduce="mean")
