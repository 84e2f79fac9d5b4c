"""`learnkeras.optimizers` itself: `get`, `serialize`, `deserialize` (the registry compile uses)."""

import pytest

from learnkeras import optimizers, saving

# The names the tf.keras 2 guide lists for compile(optimizer=...), plus Keras 3's adamw and lion.
NAMES = {
    "adadelta": optimizers.Adadelta, "adagrad": optimizers.Adagrad, "adam": optimizers.Adam,
    "adamax": optimizers.Adamax, "nadam": optimizers.Nadam, "rmsprop": optimizers.RMSprop,
    "sgd": optimizers.SGD, "ftrl": optimizers.Ftrl, "adamw": optimizers.AdamW, "lion": optimizers.Lion,
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_by_name_in_any_case(name):
    cls = NAMES[name]
    for spelling in (name, name.upper(), cls.__name__):
        opt = optimizers.get(spelling)
        assert type(opt) is cls
        assert opt.get_config() == {**cls().get_config(), "name": opt.name}  # Keras' defaults


def test_get_by_config_dict():
    opt = optimizers.get({"class_name": "rmsprop", "config": {"learning_rate": 0.001}})
    assert type(opt) is optimizers.RMSprop
    assert opt.get_config()["learning_rate"] == pytest.approx(0.001)
    opt = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.5, "amsgrad": True}})
    assert type(opt) is optimizers.Adam and opt.amsgrad and float(opt.learning_rate) == 0.5
    full = optimizers.serialize(optimizers.SGD(momentum=0.9))
    assert optimizers.get(full).get_config() == full["config"]


def test_get_returns_an_instance_unchanged_and_none_as_none():
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None


@pytest.mark.parametrize("identifier", [
    "nope", "optimizer", 3, 0.01, ["adam"], optimizers.Adam, {"class_name": "Nope", "config": {}},
    {"config": {}},
])
def test_get_refuses_anything_else(identifier):
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(identifier)


def test_get_with_an_unknown_config_key():
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.get({"class_name": "adam", "config": {"betta_1": 0.9}})


def test_serialize_is_keras_format():
    config = optimizers.serialize(optimizers.Adam(learning_rate=0.5, name="a"))
    assert config["module"] == "keras.optimizers" and config["class_name"] == "Adam"
    assert config["registered_name"] is None
    assert config["config"]["name"] == "a" and config["config"]["learning_rate"] == 0.5
    with pytest.raises(TypeError, match="Optimizer instance"):
        optimizers.serialize("adam")


def test_custom_optimizer_round_trip_through_registration():
    @saving.register_keras_serializable(package="TestOptimizers")
    class HalfSGD(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient * 0.5, variable, learning_rate)

    config = optimizers.serialize(HalfSGD(learning_rate=0.2))
    assert config["registered_name"] == "TestOptimizers>HalfSGD"
    clone = optimizers.deserialize(config)
    assert type(clone) is HalfSGD and float(clone.learning_rate) == pytest.approx(0.2)
    assert type(optimizers.get("TestOptimizers>HalfSGD")) is HalfSGD


def test_custom_optimizer_through_custom_objects():
    class MySGD(optimizers.SGD):
        pass

    config = optimizers.serialize(MySGD())
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.deserialize(config)
    assert type(optimizers.deserialize(config, custom_objects={"MySGD": MySGD})) is MySGD
