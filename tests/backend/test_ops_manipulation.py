"""learnkeras.backend.ops.manipulation: values, shape rules (also with unknown dims) and gradients of every op."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from learnkeras import ops
from learnkeras.backend import GradientTape, Op, TensorSpec, convert_to_tensor
from learnkeras.backend.op import REGISTRY
from learnkeras.backend.ops import manipulation as shape_ops
from learnkeras.testing import check_gradients

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.normal(size=shape)


def second_order(f):
    """x -> the tape gradient of sum(f(x)), made of ops, so an outer tape differentiates it again."""

    def grad(x):
        x = ops.identity(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(f(x))
        return inner.gradient(y, x)

    return grad


W23 = normal(2, 3)  # a fixed weighting, so each output entry's gradient differs


GRADIENT_CASES = {
    # getitem: ints, negative ints, slices, None, Ellipsis, integer arrays (repeated!), masks
    "getitem int": (lambda x: x[1], [normal(2, 3)]),
    "getitem negative int": (lambda x: x[-1, -2], [normal(2, 3)]),
    "getitem slices": (lambda x: x[:, 1:] * W23[:, :2], [normal(2, 3)]),
    "getitem step and reverse": (lambda x: x[::-1, ::2] * W23[:, :2], [normal(2, 3)]),
    "getitem None and Ellipsis": (lambda x: x[None, ..., -1], [normal(2, 3, 4)]),
    "getitem repeated int array": (lambda x: x[np.array([0, 0, 1])] * np.array([[1.0], [2.0], [3.0]]), [normal(2, 3)]),
    "getitem repeated list on axis 1": (lambda x: x[:, [2, 2, 0]] * W23, [normal(2, 3)]),
    "getitem two int arrays": (lambda x: x[np.array([1, 0, 1]), np.array([2, 2, 2])], [normal(2, 3)]),
    "getitem tensor index": (lambda x: x[convert_to_tensor(np.array([1, 1]))], [normal(2, 3)]),
    "getitem boolean mask": (lambda x: x[np.array([[True, False, True], [False, True, True]])], [normal(2, 3)]),
    # take
    "take axis=1 repeated": (lambda x: ops.take(x, np.array([2, 0, 2]), axis=1) * W23, [normal(2, 3)]),
    "take axis=0 2-D indices": (lambda x: ops.take(x, np.array([[1, 0], [1, 1]]), axis=0), [normal(2, 3)]),
    "take axis=-1": (lambda x: ops.take(x, [1, 1], axis=-1), [normal(2, 3)]),
    "take flattened": (lambda x: ops.take(x, np.array([5, 0, 5])), [normal(2, 3)]),
    "take negative indices": (
        lambda x: ops.take(x, np.array([-1, 0, -1]), axis=0) * np.arange(1.0, 10.0).reshape(3, 3),
        [normal(2, 3)],
    ),
    # joining
    "concatenate axis=0": (
        lambda x, y: ops.concatenate([x, y]) * np.arange(9.0).reshape(3, 3),
        [normal(2, 3), normal(1, 3)],
    ),
    "concatenate axis=-1": (lambda x, y: ops.concatenate([x, y], axis=-1) ** 2, [normal(2, 3), normal(2, 1)]),
    "concatenate one tensor": (lambda x: ops.concatenate([x], axis=0) * W23, [normal(2, 3)]),
    "stack axis=0": (lambda x, y: ops.stack([x, y]) ** 2, [normal(2, 3), normal(2, 3)]),
    "stack axis=-1": (lambda x, y: ops.stack([x, y], axis=-1) * np.array([1.0, -2.0]), [normal(2, 3), normal(2, 3)]),
    # reshaping
    "reshape with -1": (lambda x: ops.reshape(x, (3, -1)) * W23.reshape(3, 2), [normal(2, 3)]),
    "reshape to flat": (lambda x: ops.reshape(x, -1) ** 2, [normal(2, 3)]),
    "transpose": (lambda x: ops.transpose(x) * W23.T, [normal(2, 3)]),
    "transpose axes": (lambda x: ops.transpose(x, (2, 0, 1)) ** 2, [normal(2, 3, 4)]),
    "x.T": (lambda x: x.T**2, [normal(2, 3)]),
    "swapaxes": (lambda x: ops.swapaxes(x, 0, -1) ** 2, [normal(2, 3, 2)]),
    "expand_dims": (lambda x: ops.expand_dims(x, -1) * W23[..., None], [normal(2, 3)]),
    "expand_dims tuple": (lambda x: ops.expand_dims(x, (0, 2)) ** 2, [normal(2, 3)]),
    "squeeze axis": (lambda x: ops.squeeze(x, 1) ** 2, [normal(2, 1, 3)]),
    "squeeze all": (lambda x: ops.squeeze(x) ** 2, [normal(1, 3, 1)]),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (3, 2, 4)) ** 2, [normal(1, 4)]),
    "tile (2, 3)": (lambda x: ops.tile(x, (2, 3)) ** 2, [normal(2, 3)]),
    "tile int": (lambda x: ops.tile(x, 2) ** 2, [normal(2, 3)]),
    "tile more repeats than dims": (lambda x: ops.tile(x, (2, 1, 2)) ** 2, [normal(3)]),
    # dtype and identities
    "cast float64 -> float64": (lambda x: ops.cast(x, "float64") ** 2, [normal(2, 3)]),
    "identity": (lambda x: ops.identity(x) ** 2, [normal(2, 3)]),
    # gradient ops, differentiated again
    "getitem_grad (2nd order)": (second_order(lambda x: x[np.array([0, 0, 2])] ** 3), [normal(3)]),
    "take_grad (2nd order)": (second_order(lambda x: ops.take(x, [1, 1, 0], axis=0) ** 3), [normal(2, 2)]),
    "split_like (2nd order)": (second_order(lambda x: ops.concatenate([x, x * 2.0]) ** 3), [normal(3)]),
    "stack (2nd order)": (second_order(lambda x: ops.stack([x, x * x]) ** 2), [normal(3)]),
    "reshape_like (2nd order)": (second_order(lambda x: ops.reshape(x, (2, 2)) ** 3), [normal(4)]),
    "transpose (2nd order)": (second_order(lambda x: ops.transpose(x) ** 3), [normal(2, 3)]),
    "untile (2nd order)": (second_order(lambda x: ops.tile(x, (2, 2)) ** 3), [normal(2, 1)]),
    "broadcast_to (2nd order)": (second_order(lambda x: ops.broadcast_to(x, (2, 3)) ** 3), [normal(3)]),
    "cast (2nd order)": (second_order(lambda x: ops.cast(x, "float64") ** 3), [normal(3)]),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = GRADIENT_CASES[name]
    check_gradients(fn, inputs)


def test_every_op_of_the_module_is_gradient_checked(monkeypatch):
    defined = {obj.name for obj in vars(shape_ops).values() if isinstance(obj, Op)}
    ran = set()
    original = Op.run_eager

    def spy(self, inputs, attrs):
        ran.add(self.name)
        return original(self, inputs, attrs)

    monkeypatch.setattr(Op, "run_eager", spy)
    for fn, inputs in GRADIENT_CASES.values():
        check_gradients(fn, inputs)
    no_gradient = {"stop_gradient", "one_hot"}
    assert not defined - no_gradient - ran, sorted(defined - no_gradient - ran)
    for name in no_gradient:
        assert REGISTRY[name].grad_fn is None


def test_stop_gradient_blocks_the_gradient():
    x = convert_to_tensor(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.stop_gradient(x * x) * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 4.0])


def test_cast_gradient_keeps_the_source_dtype_and_stops_at_ints():
    x = convert_to_tensor(np.array([1.5, -2.0]))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        as_float32 = ops.cast(x, "float32") * 3.0
        as_int = ops.cast(ops.cast(x, "int32"), "float64")
    g = tape.gradient(as_float32, x)
    assert g.dtype == "float64"
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    assert tape.gradient(as_int, x) is None


# --- values ---------------------------------------------------------------------------------
def test_values_match_numpy():
    a = np.arange(24, dtype="float32").reshape(2, 3, 4)
    t = convert_to_tensor(a)
    np.testing.assert_array_equal(ops.reshape(t, (4, -1)).numpy(), a.reshape(4, -1))
    np.testing.assert_array_equal(ops.reshape(t, (None, 12)).numpy(), a.reshape(-1, 12))
    np.testing.assert_array_equal(ops.transpose(t).numpy(), a.T)
    np.testing.assert_array_equal(ops.transpose(t, (1, 0, 2)).numpy(), a.transpose(1, 0, 2))
    np.testing.assert_array_equal(ops.swapaxes(t, 0, 2).numpy(), a.swapaxes(0, 2))
    np.testing.assert_array_equal(ops.expand_dims(t, -1).numpy(), a[..., None])
    np.testing.assert_array_equal(ops.squeeze(ops.expand_dims(t, 1), 1).numpy(), a)
    np.testing.assert_array_equal(ops.concatenate([t, t], axis=1).numpy(), np.concatenate([a, a], axis=1))
    np.testing.assert_array_equal(ops.stack([t, t], axis=-1).numpy(), np.stack([a, a], axis=-1))
    np.testing.assert_array_equal(ops.broadcast_to(t[0, 0], (2, 4)).numpy(), np.broadcast_to(a[0, 0], (2, 4)))
    np.testing.assert_array_equal(ops.take(t, [2, 0], axis=2).numpy(), np.take(a, [2, 0], axis=2))
    np.testing.assert_array_equal(ops.take(t, 5).numpy(), np.take(a, 5))
    for reps in [2, (2, 1), (1, 2, 1, 3)]:
        np.testing.assert_array_equal(ops.tile(t, reps).numpy(), np.tile(a, reps))
    np.testing.assert_array_equal(ops.tile(t[0, 0], (2, 2)).numpy(), np.tile(a[0, 0], (2, 2)))
    np.testing.assert_array_equal(
        ops.one_hot(np.array([0, 2, 5, -1]), 3).numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    )
    assert ops.one_hot([1], 3).dtype == "float32" and ops.one_hot([1], 3, dtype="int32").dtype == "int32"
    assert ops.cast(t, "int32").dtype == "int32" and ops.cast(t, float).dtype == "float32"


def test_concatenate_joins_along_the_first_axis_by_default_as_keras_ops():
    a = np.ones((2, 3), "float32")
    assert ops.concatenate([a, a]).shape == (4, 3)


def test_joining_promotes_dtypes_as_keras():
    assert ops.concatenate([np.ones((2, 3), "int32"), np.ones((2, 3), "float32")]).dtype == "float32"
    assert ops.stack([np.ones(3, "int8"), np.ones(3, "float16")]).dtype == "float16"
    assert ops.concatenate([[1.0, 2.0], [3.0]]).dtype == "float32"  # lists follow convert_to_tensor


def test_getitem_matches_numpy_for_every_kind_of_key():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = convert_to_tensor(a)
    keys = [
        1,
        -1,
        slice(1, None),
        (slice(None), 2),
        (None, Ellipsis, -1),
        (Ellipsis, None),
        [1, 1, 0],
        (slice(None), [2, 2, 0]),
        (np.array([1, 0]), slice(None), np.array([3, 3])),
        a > 11,
        (0, slice(None), [1, 3]),
        (slice(None, None, -1), slice(0, 3, 2)),
        np.array([[0], [1]]),
    ]
    for key in keys:
        np.testing.assert_array_equal(t[key].numpy(), a[key], err_msg=repr(key))
    assert t[convert_to_tensor(1)].shape == (3, 4)


def test_getitem_key_attr_is_hashable(monkeypatch):
    """Graphs compare attrs; slices and index arrays are unhashable in Python 3.11 unless frozen."""
    seen = []
    op = REGISTRY["getitem"]
    original = op.forward
    monkeypatch.setattr(op, "forward", lambda x, key: (seen.append(key), original(x, key))[1])
    t = convert_to_tensor(np.arange(12.0).reshape(3, 4))
    for key in [slice(1, 3), (slice(None), [1, 1]), np.array([0, 2]), t.numpy()[:, 0] > 3, (None, Ellipsis, 0)]:
        t[key]
    assert len(seen) == 5
    for key in seen:
        hash(key)


# --- shape rules -------------------------------------------------------------------------------
def infer(name, *inputs, **attrs):
    return REGISTRY[name].infer(list(inputs), attrs)[0]


@pytest.mark.parametrize(
    "x_shape,key,expected",
    [
        ((None, 6), (slice(None), slice(1, 3)), (None, 2)),
        ((None, 6), slice(None, 32), (None, 6)),  # a slice of an unknown dim is unknown (the batch may be 20)
        ((4, 6), slice(None, 32), (4, 6)),
        ((None, 6), (slice(None), [1, 1, 2]), (None, 3)),
        ((None, None, 3), (0, Ellipsis, None), (None, 3, 1)),
        ((None, 6, 5), (0, slice(None), [1, 2]), (2, 6)),  # advanced indices split by a slice go first
        ((None, 6, 5), ([0, 1], slice(None), [1, 2]), (2, 6)),
        ((None, 3), 9, (3,)),  # an index larger than any probe
        ((None, 3), (slice(None), -1), (None,)),
        ((3, 4), (np.array([[0], [1]]), np.array([1, 2, 3])), (2, 3)),
    ],
)
def test_getitem_shape_rule_with_unknown_dims(x_shape, key, expected):
    spec = infer("getitem", TensorSpec(x_shape), key=shape_ops._freeze_key(key))
    assert spec.shape == expected
    concrete = np.zeros(tuple(12 if d is None else d for d in x_shape))[key].shape
    assert all(e is None or e == c for e, c in zip(expected, concrete))


def test_shape_rules_with_unknown_dims():
    S = TensorSpec
    assert infer("reshape", S((None, 6)), shape=(-1, 2, 3)).shape == (None, 2, 3)
    assert infer("reshape", S((2, 6)), shape=(-1, 3)).shape == (4, 3)
    assert infer("transpose", S((None, 6, 2)), axes=(2, 0, 1)).shape == (2, None, 6)
    assert infer("expand_dims", S((None, 6)), axes=(0, 3)).shape == (1, None, 6, 1)
    assert infer("squeeze", S((None, 1)), axes=(1,)).shape == (None,)
    assert infer("concatenate", S((None, 6)), S((2, 6)), axis=0).shape == (None, 6)
    assert infer("concatenate", S((None, 6)), S((None, 3)), axis=1).shape == (None, 9)
    assert infer("stack", S((None, 6)), S((2, 6)), axis=0).shape == (2, 2, 6)
    assert infer("broadcast_to", S((1, 6)), shape=(3, 1, 6)).shape == (3, 1, 6)
    assert infer("take", S((None, 6)), S((4,), "int32"), axis=1).shape == (None, 4)
    assert infer("take", S((None, 6)), S((2, 2), "int32"), axis=None).shape == (2, 2)
    assert infer("tile", S((None, 3)), repeats=(2, 2)).shape == (None, 6)
    assert infer("cast", S((None, 3)), dtype="int32") == S((None, 3), "int32")
    assert infer("one_hot", S((None,), "int32"), num_classes=4, dtype="float32").shape == (None, 4)


def test_shape_errors_are_value_errors_naming_the_shapes():
    with pytest.raises(ValueError, match=r"concatenate: shapes \[\(2, 3\), \(2, 4\)\] differ outside axis 0"):
        infer("concatenate", TensorSpec((2, 3)), TensorSpec((2, 4)), axis=0)
    with pytest.raises(ValueError, match=r"stack: all tensors must have the same shape"):
        infer("stack", TensorSpec((2, 3)), TensorSpec((3, 3)), axis=0)
    with pytest.raises(ValueError, match="squeeze: axis 1 has size 3, expected 1"):
        ops.squeeze(np.ones((2, 3)), axis=1)


@settings(max_examples=30, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_eager_shapes_equal_shape_rules(shape, data):
    x = convert_to_tensor(np.random.default_rng(0).normal(size=shape))
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    cases = [
        (ops.transpose(x, perm), "transpose", {"axes": perm}),
        (ops.expand_dims(x, axis), "expand_dims", {"axes": (axis % (len(shape) + 1),)}),
        (ops.reshape(x, (-1,)), "reshape", {"shape": (-1,)}),
        (ops.tile(x, reps), "tile", {"repeats": (1,) * (len(shape) - len(reps)) + reps}),
        (ops.concatenate([x, x], axis=axis), "concatenate", {"axis": axis % len(shape)}),
    ]
    for out, name, attrs in cases:
        inputs = [x, x] if name == "concatenate" else [x]
        assert infer(name, *inputs, **attrs).shape == out.shape, name
    assert ops.stack([x, x], axis=axis).shape == infer("stack", x, x, axis=axis % (len(shape) + 1)).shape
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.tile(x, reps) ** 2
    assert tape.gradient(y, x).shape == shape
