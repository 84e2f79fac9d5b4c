"""`losses.get`, `serialize`/`deserialize`, and compile's `get_loss` ("crossentropy" by shape)."""

import numpy as np
import pytest

from learnkeras import losses
from learnkeras.saving import custom_object_scope, object_registration, register_keras_serializable


@pytest.mark.parametrize("name, expected", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error),
    ("mean_squared_error", losses.mean_squared_error), ("mae", losses.mean_absolute_error),
    ("MAE", losses.mean_absolute_error), ("mape", losses.mean_absolute_percentage_error),
    ("msle", losses.mean_squared_logarithmic_error), ("kld", losses.kl_divergence), ("KLD", losses.kl_divergence),
    ("bce", losses.binary_crossentropy), ("binary_crossentropy", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy), ("huber", losses.huber),
    ("hinge", losses.hinge), ("log_cosh", losses.log_cosh), ("poisson", losses.poisson),
    ("cosine_similarity", losses.cosine_similarity),
])
def test_get_a_function_name_gives_the_function(name, expected):
    assert losses.get(name) is expected


def test_module_aliases():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error and losses.kld is losses.kl_divergence


def test_get_other_identifiers():
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    huber = losses.get({"class_name": "Huber", "config": {"delta": 0.5}})
    assert isinstance(huber, losses.Huber) and huber.delta == 0.5
    instance = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.Hinge), losses.Hinge)  # a class is instantiated

    def my_loss(y_true, y_pred):
        return y_pred - y_true

    assert losses.get(my_loss) is my_loss
    assert losses.get(None) is None
    assert losses.get({"class_name": "function", "config": "mean_squared_error"}) is losses.mean_squared_error


@pytest.mark.parametrize("identifier", ["mean_square_error", "crossentropy", 3, {"config": {}}, [1]])
def test_get_unknown_identifiers_raise_value_error(identifier):
    with pytest.raises(ValueError, match="loss"):
        losses.get(identifier)


def test_serialize_round_trips():
    config = losses.serialize(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1))
    assert config == {
        "module": "keras.losses", "class_name": "CategoricalCrossentropy", "registered_name": None,
        "config": {"name": "categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
                   "label_smoothing": 0.1, "axis": -1},
    }  # Keras 3's format
    clone = losses.deserialize(config)
    assert clone.get_config() == config["config"]
    fn_config = losses.serialize(losses.mean_squared_error)
    assert fn_config == {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
                         "registered_name": "function"}
    assert losses.deserialize(fn_config) is losses.mean_squared_error
    assert losses.deserialize("mse") is losses.mean_squared_error


def test_custom_losses_are_found_when_registered_or_scoped():
    saved = dict(object_registration.GLOBAL_CUSTOM_OBJECTS), dict(object_registration.GLOBAL_CUSTOM_NAMES)
    try:
        @register_keras_serializable(package="tests")
        class DoubleMSE(losses.Loss):
            def call(self, y_true, y_pred):
                return 2 * losses.mean_squared_error(y_true, y_pred)

        config = losses.serialize(DoubleMSE(name="d"))
        assert config["registered_name"] == "tests>DoubleMSE"
        clone = losses.deserialize(config)
        assert isinstance(clone, DoubleMSE) and clone.name == "d"
        assert isinstance(losses.get("tests>DoubleMSE"), DoubleMSE)
    finally:
        for store, old in zip((object_registration.GLOBAL_CUSTOM_OBJECTS, object_registration.GLOBAL_CUSTOM_NAMES),
                              saved):
            store.clear()
            store.update(old)

    def scaled(y_true, y_pred):
        return y_pred

    with custom_object_scope({"scaled": scaled}):
        assert losses.deserialize({"class_name": "function", "config": "scaled"}) is scaled


@pytest.mark.parametrize("y_true, y_pred, expected", [
    ((None, 1), (None, 1), losses.binary_crossentropy),
    ((None,), (None, 1), losses.binary_crossentropy),
    ((None,), (None, 10), losses.sparse_categorical_crossentropy),
    ((None, 1), (None, 10), losses.sparse_categorical_crossentropy),
    ((None, 10), (None, 10), losses.categorical_crossentropy),
])
def test_get_loss_resolves_crossentropy_from_the_shapes(y_true, y_pred, expected):
    assert losses.get_loss("crossentropy", y_true, y_pred) is expected
    assert losses.get_loss("CE", y_true, y_pred) is expected


def test_get_loss_passes_other_identifiers_to_get():
    assert losses.get_loss("mse", (None, 1), (None, 1)) is losses.mean_squared_error
    assert losses.get_loss(None, (None, 1), (None, 1)) is None
    y_true, y_pred = np.zeros((4,), "int32"), np.zeros((4, 3), "float32")
    assert losses.get_loss("crossentropy", y_true, y_pred) is losses.sparse_categorical_crossentropy
