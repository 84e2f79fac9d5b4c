"""Distribution strategies reduced to one replica: a real scope, so compile's step 3 does what Keras' does."""

from __future__ import annotations

import pytest

import learnkeras as keras
from learnkeras import distribute


def test_the_default_strategy_is_there_outside_any_scope():
    strategy = distribute.get_strategy()
    assert isinstance(strategy, distribute.Strategy) and strategy.name == "default"
    assert strategy.num_replicas_in_sync == 1 and not distribute.has_strategy()
    assert repr(strategy) == "<Strategy 'default'>"


def test_scopes_nest_and_are_left_even_on_errors():
    outer, inner = distribute.Strategy("outer"), distribute.OneDeviceStrategy("/cpu:0")
    with outer.scope() as entered:
        assert entered is outer and distribute.get_strategy() is outer and distribute.has_strategy()
        with inner.scope():
            assert distribute.get_strategy() is inner and inner.device == "/cpu:0"
        assert distribute.get_strategy() is outer
        with pytest.raises(RuntimeError), inner.scope():
            raise RuntimeError("boom")
        assert distribute.get_strategy() is outer
    assert not distribute.has_strategy() and distribute.get_strategy().name == "default"


def test_run_calls_the_function_once_on_the_one_replica():
    calls = []
    result = distribute.OneDeviceStrategy().run(lambda a, b=0: calls.append((a, b)) or a + b, args=(2,), kwargs={"b": 3})
    assert result == 5 and calls == [(2, 3)]


def test_a_model_takes_the_strategy_it_is_created_under():
    keras.backend.clear_session()
    strategy = distribute.OneDeviceStrategy()
    with strategy.scope():
        inside = keras.Sequential([keras.layers.Dense(1)])
    outside = keras.Sequential([keras.layers.Dense(1)])
    assert inside.distribute_strategy is strategy and outside.distribute_strategy.name == "default"
