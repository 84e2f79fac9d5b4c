"""learnkeras.utils.set_random_seed: one seed makes every draw of the kit repeat."""

import random

import numpy as np
import pytest

from learnkeras import utils
from learnkeras.backend import random as backend_random


def draws():
    gen = backend_random.generator()
    return gen.normal(size=3).tolist(), gen.integers(0, 1000, size=3).tolist(), random.random()


def test_set_random_seed_makes_a_run_repeat_exactly():
    utils.set_random_seed(1337)
    first = draws()
    utils.set_random_seed(1337)
    second = draws()
    assert first == second
    utils.set_random_seed(1338)
    assert draws() != first


def test_it_seeds_the_kits_generator_itself():
    utils.set_random_seed(7)
    expected = np.random.default_rng(7).normal(size=4)
    np.testing.assert_array_equal(backend_random.generator().normal(size=4), expected)


def test_it_seeds_python_random_as_keras_does():
    utils.set_random_seed(3)
    a = random.random()
    random.seed(3)
    assert a == random.random()


def test_numpy_integers_are_accepted():
    utils.set_random_seed(np.int64(5))
    first = draws()
    utils.set_random_seed(5)
    assert draws() == first


@pytest.mark.parametrize("seed", [1.5, "42", None, True, [1]], ids=repr)
def test_a_non_integer_seed_is_a_type_error(seed):
    with pytest.raises(TypeError, match="expects an integer seed; received"):
        utils.set_random_seed(seed)


def test_an_explicit_seed_gives_a_fresh_generator_independent_of_the_shared_one():
    utils.set_random_seed(0)
    shared = backend_random.generator()
    shared.normal(size=10)  # move the shared generator on
    a = backend_random.generator(123).normal(size=2)
    b = backend_random.generator(123).normal(size=2)
    np.testing.assert_array_equal(a, b)
    assert backend_random.generator() is shared
