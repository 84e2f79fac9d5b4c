"""The `Metric` base: variables, update/result/reset, __call__, names, configs, and tracing."""

import numpy as np
import pytest

from learnkeras import backend, metrics, ops
from learnkeras.backend import TensorSpec
from learnkeras.tracing import function


class Total(metrics.Metric):
    """A minimal subclass, as a learner would write one."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values):
        self.total.assign_add(ops.sum(values))

    def result(self):
        return self.total.value


def test_subclass_update_result_reset_and_call():
    m = Total()
    m.update_state([1.0, 2.0])
    m.update_state([3.0])
    assert float(m.result()) == 6.0
    assert float(m([4.0])) == 10.0  # __call__ updates, then returns the result so far
    m.reset_state()
    assert float(m.result()) == 0.0


def test_variables_are_non_trainable_named_and_owned():
    m = metrics.Mean(name="loss_mean")
    assert [v.name for v in m.variables] == ["total", "count"]
    assert [v.path for v in m.variables] == ["loss_mean/total", "loss_mean/count"]
    assert all(not v.trainable for v in m.variables)
    assert all(v.dtype == "float32" for v in m.variables)
    assert metrics.Mean(dtype="float64").variables[0].dtype == "float64"


def test_nested_metrics_share_their_variables():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.first = metrics.Mean(name="a")
            self.second = metrics.Sum(name="b")

    assert [v.path for v in Pair().variables] == ["a/total", "a/count", "b/total"]


def test_auto_names_are_unique_until_clear_session():
    backend.clear_session()
    assert [Total().name, Total().name] == ["total", "total_1"]
    assert [metrics.Precision().name, metrics.Precision().name] == ["precision", "precision_1"]
    backend.clear_session()
    assert Total().name == "total"
    assert metrics.Mean().name == "mean"  # a built-in default name is fixed


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable((), "zeros", name="total")

    with pytest.raises(RuntimeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_subclass_without_update_state():
    class Incomplete(metrics.Metric):
        pass

    with pytest.raises(NotImplementedError, match="update_state"):
        Incomplete().update_state([1.0])


def test_config_round_trip_and_repr():
    m = Total(name="t", dtype="float64")
    assert m.get_config() == {"name": "t", "dtype": "float64"}
    clone = Total.from_config(m.get_config())
    assert (clone.name, clone.dtype) == ("t", "float64")
    assert repr(m) == "<Total name=t>"


def test_add_weight_alias_defaults_to_zeros():
    class Legacy(metrics.Metric):
        def __init__(self):
            super().__init__(name="legacy")
            self.count = self.add_weight(name="count", shape=(2,))

    np.testing.assert_array_equal(Legacy().count.numpy(), [0.0, 0.0])


def test_state_updates_run_inside_a_traced_function():
    m = metrics.Mean()

    @function(autograph=False, input_signature=[TensorSpec((None,), "float32")])
    def step(values):
        m.update_state(values)
        return m.result()

    assert float(step(np.array([1.0, 2.0], "float32"))) == 1.5
    assert float(step(np.array([6.0], "float32"))) == 3.0  # the graph reads and writes the same variables
    assert step.experimental_get_tracing_count() == 1
    m.reset_state()
    assert float(step(np.array([5.0, 7.0, 9.0], "float32"))) == 7.0
