"""Object registration and the shared config format (`learnkeras.saving.object_registration`)."""

import numpy as np
import pytest

from learnkeras import initializers
from learnkeras.backend.tensor import Tensor
from learnkeras.saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    object_registration,
    register_keras_serializable,
    serialize_keras_object,
)


@pytest.fixture(autouse=True)
def _clean_registry():
    """Each test registers into an empty global registry, restored afterwards."""
    saved_objects = dict(object_registration.GLOBAL_CUSTOM_OBJECTS)
    saved_names = dict(object_registration.GLOBAL_CUSTOM_NAMES)
    yield
    object_registration.GLOBAL_CUSTOM_OBJECTS.clear()
    object_registration.GLOBAL_CUSTOM_OBJECTS.update(saved_objects)
    object_registration.GLOBAL_CUSTOM_NAMES.clear()
    object_registration.GLOBAL_CUSTOM_NAMES.update(saved_names)


class Scaled:
    """A small configurable class, as a user would write."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def get_config(self):
        return {"factor": self.factor}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def double(x):
    return x * 2


def test_register_class_with_package_and_default_name():
    register_keras_serializable(package="my_package")(Scaled)
    assert get_registered_name(Scaled) == "my_package>Scaled"
    assert get_registered_object("my_package>Scaled") is Scaled
    assert get_custom_objects()["my_package>Scaled"] is Scaled


def test_register_with_explicit_name_and_default_package():
    register_keras_serializable(name="Twice")(double)
    assert get_registered_name(double) == "Custom>Twice"
    assert get_registered_object("Custom>Twice") is double


def test_unregistered_name_is_plain_name():
    assert get_registered_name(double) == "double"
    assert get_registered_object("double") is None


def test_register_class_without_get_config_is_refused():
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(NoConfig)


def test_registered_class_round_trips_by_name():
    register_keras_serializable(package="pkg")(Scaled)
    config = serialize_keras_object(Scaled(3.0))
    assert config == {
        "module": __name__,
        "class_name": "Scaled",
        "config": {"factor": 3.0},
        "registered_name": "pkg>Scaled",
    }
    obj = deserialize_keras_object(config)
    assert isinstance(obj, Scaled) and obj.factor == 3.0


def test_unregistered_class_cannot_be_located():
    config = serialize_keras_object(Scaled(2.0))
    assert config["registered_name"] == "Scaled"
    with pytest.raises(TypeError, match="Could not locate class 'Scaled'"):
        deserialize_keras_object(config)


def test_custom_objects_argument_resolves_class():
    config = {"class_name": "Scaled", "config": {"factor": 5.0}}
    obj = deserialize_keras_object(config, custom_objects={"Scaled": Scaled})
    assert obj.factor == 5.0


def test_scope_resolves_class_and_restores_after_exit():
    config = {"class_name": "Scaled", "config": {"factor": 4.0}}
    with custom_object_scope({"Scaled": Scaled}):
        assert get_registered_object("Scaled") is Scaled
        assert deserialize_keras_object(config).factor == 4.0
    assert get_registered_object("Scaled") is None
    with pytest.raises(TypeError, match="Could not locate class"):
        deserialize_keras_object(config)


def test_nested_scopes_see_outer_names_and_inner_wins():
    with CustomObjectScope({"a": 1, "b": 2}):
        with CustomObjectScope({"b": 3}):
            assert get_registered_object("a") == 1
            assert get_registered_object("b") == 3
        assert get_registered_object("b") == 2


def test_lookup_order_scope_then_registry_then_custom_then_module():
    register_keras_serializable(package="p", name="x")(double)
    module_objects = {"p>x": "module"}
    assert get_registered_object("p>x", {"p>x": "custom"}, module_objects) is double
    with custom_object_scope({"p>x": "scoped"}):
        assert get_registered_object("p>x", {"p>x": "custom"}, module_objects) == "scoped"
    assert get_registered_object("q", {"q": "custom"}, {"q": "module"}) == "custom"
    assert get_registered_object("q", None, {"q": "module"}) == "module"


def test_functions_serialize_by_registered_name_and_resolve():
    register_keras_serializable(package="fns")(double)
    config = serialize_keras_object(double)
    assert config == {
        "module": "builtins",
        "class_name": "function",
        "config": "fns>double",
        "registered_name": "function",
    }
    assert deserialize_keras_object(config) is double


def test_unknown_function_is_an_error():
    config = {"module": "builtins", "class_name": "function", "config": "nowhere", "registered_name": "function"}
    with pytest.raises(TypeError, match="Could not locate function 'nowhere'"):
        deserialize_keras_object(config)


def test_lambdas_are_never_serialized_nor_loaded():
    with pytest.raises(ValueError, match="lambda"):
        serialize_keras_object(lambda x: x)
    with pytest.raises(ValueError, match="lambda"):
        deserialize_keras_object({"class_name": "__lambda__", "config": {"value": "..."}})


def test_plain_values_arrays_and_tensors_round_trip():
    value = {"a": [1, 2.5, "s", None, True], "b": (3, 4), "n": np.float32(1.5)}
    config = serialize_keras_object(value)
    assert config == {"a": [1, 2.5, "s", None, True], "b": (3, 4), "n": 1.5}
    assert deserialize_keras_object(config) == {"a": [1, 2.5, "s", None, True], "b": (3, 4), "n": 1.5}
    array = np.arange(6, dtype="int32").reshape(2, 3)
    back = deserialize_keras_object(serialize_keras_object(array))
    assert back.dtype == np.int32 and np.array_equal(back, array)
    tensor = Tensor(np.array([1.0, 2.0], dtype="float64"))
    config = serialize_keras_object(tensor)
    assert config["class_name"] == "__tensor__"
    back = deserialize_keras_object(config)
    assert isinstance(back, Tensor) and back.dtype == "float64" and np.array_equal(back.numpy(), [1.0, 2.0])


def test_builtin_objects_serialize_like_keras():
    assert serialize_keras_object(initializers.GlorotUniform(seed=1)) == {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": 1, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }


def test_module_objects_errors_are_value_errors_listing_names():
    module_objects = {"alpha": Scaled, "Beta": Scaled}
    with pytest.raises(ValueError, match=r"Could not interpret thing identifier: 'gamma'.*Known names: Beta, alpha"):
        deserialize_keras_object("gamma", module_objects, printable_module_name="thing")
    with pytest.raises(ValueError, match="Could not locate class 'Gamma'"):
        deserialize_keras_object({"class_name": "Gamma", "config": {}}, module_objects, printable_module_name="thing")
    with pytest.raises(ValueError, match="class_name"):
        deserialize_keras_object({"config": {}}, module_objects, printable_module_name="thing")


def test_module_objects_names_give_instances_and_functions():
    module_objects = {"scaled": Scaled, "double": double}
    assert isinstance(deserialize_keras_object("scaled", module_objects), Scaled)
    assert deserialize_keras_object("double", module_objects) is double
    assert deserialize_keras_object({"class_name": "scaled", "config": {"factor": 7}}, module_objects).factor == 7


def test_registered_name_takes_precedence_over_class_name():
    class Other(Scaled):
        pass

    register_keras_serializable(package="pkg")(Other)
    config = {"class_name": "Scaled", "config": {"factor": 1.0}, "registered_name": "pkg>Other"}
    assert type(deserialize_keras_object(config, custom_objects={"Scaled": Scaled})) is Other


def test_custom_objects_are_visible_to_nested_from_config():
    class Holder:
        def __init__(self, inner):
            self.inner = inner

        def get_config(self):
            return {"inner": serialize_keras_object(self.inner)}

        @classmethod
        def from_config(cls, config):
            # No custom_objects passed here: the outer call's scope must provide them.
            return cls(deserialize_keras_object(config["inner"]))

    config = serialize_keras_object(Holder(Scaled(9.0)))
    obj = deserialize_keras_object(config, custom_objects={"Holder": Holder, "Scaled": Scaled})
    assert isinstance(obj.inner, Scaled) and obj.inner.factor == 9.0


def test_bad_get_config_and_missing_get_config():
    class BadConfig:
        def get_config(self):
            return [1]

    with pytest.raises(TypeError, match="must return a dict"):
        serialize_keras_object(BadConfig())
    with pytest.raises(TypeError, match="get_config"):
        serialize_keras_object(object())
