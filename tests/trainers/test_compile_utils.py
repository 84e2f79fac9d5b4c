"""The losses and metrics containers compile wraps around `loss=`, `loss_weights=`, `metrics=`."""

from __future__ import annotations

import numpy as np
import pytest

from learnkeras import losses, metrics
from learnkeras.backend import convert_to_tensor
from learnkeras.trainers.compile_utils import LossesContainer, MetricsContainer, _name_of

RNG = np.random.default_rng(7)
Y1, P1 = RNG.normal(size=(6, 1)).astype("float32"), RNG.normal(size=(6, 1)).astype("float32")
Y2, P2 = RNG.normal(size=(6, 2)).astype("float32"), RNG.normal(size=(6, 2)).astype("float32")


def t(a):
    return convert_to_tensor(a)


def mse(y, p, w=None):
    per_sample = np.mean((y - p) ** 2, axis=-1)
    return float(np.mean(per_sample if w is None else per_sample * w))


def test_one_loss_for_one_output():
    container = LossesContainer("mse")
    assert container.describe() == "loss=mse"
    container.build(t(Y1), t(P1), ["dense"])
    assert container.metrics == []  # one output: only the total is tracked (by the model)
    assert float(container(t(Y1), t(P1))) == pytest.approx(mse(Y1, P1), rel=1e-6)


def test_a_list_of_losses_with_loss_weights_sums_weighted_terms_and_tracks_each_output():
    container = LossesContainer(["mse", "mae"], loss_weights=[0.9, 0.1])
    assert container.describe() == "loss=[mse, mae] with loss_weights=[0.9, 0.1]"
    container.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["output_1", "output_2"])
    total = float(container([t(Y1), t(Y2)], [t(P1), t(P2)]))
    l1, l2 = mse(Y1, P1), float(np.mean(np.abs(Y2 - P2)))
    assert total == pytest.approx(0.9 * l1 + 0.1 * l2, rel=1e-6)
    assert [m.name for m in container.metrics] == ["output_1_loss", "output_2_loss"]
    assert [float(m.result()) for m in container.metrics] == pytest.approx([l1, l2], rel=1e-6)
    container.reset_state()
    assert [float(m.result()) for m in container.metrics] == [0.0, 0.0]


def test_a_single_loss_applies_to_every_output():
    container = LossesContainer("mse")
    container.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["a", "b"])
    assert float(container([t(Y1), t(Y2)], [t(P1), t(P2)])) == pytest.approx(mse(Y1, P1) + mse(Y2, P2), rel=1e-6)


def test_dict_losses_and_dict_targets_are_matched_by_output_name():
    # Output order main, aux is not alphabetical: the targets must still pair by name.
    container = LossesContainer({"main": "mse", "aux": "mae"}, loss_weights={"main": 1.0, "aux": 0.5})
    targets = {"aux": t(Y2), "main": t(Y1)}
    container.build(targets, [t(P1), t(P2)], ["main", "aux"])
    expected = mse(Y1, P1) + 0.5 * float(np.mean(np.abs(Y2 - P2)))
    assert float(container(targets, [t(P1), t(P2)])) == pytest.approx(expected, rel=1e-6)
    assert float(container([t(Y1), t(Y2)], [t(P1), t(P2)])) == pytest.approx(expected, rel=1e-6)
    assert [m.name for m in container.metrics] == ["main_loss", "aux_loss"]


def test_an_output_without_a_loss_is_left_out():
    container = LossesContainer({"main": "mse"})
    container.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])
    assert container.losses[1] is None and container.metrics[1] is None
    assert float(container([t(Y1), t(Y2)], [t(P1), t(P2)])) == pytest.approx(mse(Y1, P1), rel=1e-6)
    nothing = LossesContainer([None, None])
    nothing.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])
    with pytest.raises(ValueError, match="no loss applies to any output"):
        nothing([t(Y1), t(Y2)], [t(P1), t(P2)])


def test_sample_weights_weight_each_sample_and_may_differ_per_output():
    w = np.linspace(0.0, 1.0, 6).astype("float32")
    single = LossesContainer("mse")
    single.build(t(Y1), t(P1), ["o"])
    assert float(single(t(Y1), t(P1), sample_weight=t(w))) == pytest.approx(mse(Y1, P1, w), rel=1e-6)
    both = LossesContainer("mse")
    both.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["a", "b"])
    value = float(both([t(Y1), t(Y2)], [t(P1), t(P2)], sample_weight=[t(w), None]))
    assert value == pytest.approx(mse(Y1, P1, w) + mse(Y2, P2), rel=1e-6)


def test_crossentropy_picks_the_variant_the_data_needs():
    probs = np.array([[0.2, 0.8], [0.6, 0.4]], dtype="float32")
    sparse = LossesContainer("crossentropy")
    sparse.build(t(np.array([1, 0])), t(probs), ["o"])
    assert sparse.losses[0].fn is losses.sparse_categorical_crossentropy
    one_hot = LossesContainer("crossentropy")
    one_hot.build(t(np.eye(2, dtype="float32")[[1, 0]]), t(probs), ["o"])
    assert one_hot.losses[0].fn is losses.categorical_crossentropy
    expected = -np.mean(np.log([0.8, 0.6]))
    assert float(sparse(t(np.array([1, 0])), t(probs))) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("loss, loss_weights, y, message", [
    (["mse"], None, [Y1, Y2], r"`loss` is a list of 1 losses but the model has 2 output\(s\) \['a', 'b'\]"),
    ("mse", [1.0], [Y1, Y2], "`loss_weights` has 1 entries but the model has 2 outputs"),
    ({"c": "mse"}, None, [Y1, Y2], r"the loss dict has keys \['c'\] that are not output names"),
    ("mse", None, [Y1], r"the model has 2 output\(s\) \['a', 'b'\] but the targets `y` hold 1 array"),
    ("mse", None, {"a": Y1, "c": Y2}, r"targets `y` are a dict with keys \['a', 'c'\].*outputs are named \['a', 'b'\]"),
])
def test_mismatches_between_losses_targets_and_outputs_are_explained(loss, loss_weights, y, message):
    container = LossesContainer(loss, loss_weights)
    targets = {k: t(v) for k, v in y.items()} if isinstance(y, dict) else [t(v) for v in y]
    with pytest.raises(ValueError, match=message):
        container.build(targets, [t(P1), t(P2)], ["a", "b"])


def test_metric_names_a_weighted_twin_gets_a_prefix_and_duplicates_are_refused():
    container = MetricsContainer(["mae", "accuracy"], weighted_metrics=["mae", "mse"])
    assert container.requested_names() == ["mae", "accuracy", "weighted_mae", "mse"]
    container.check_duplicates()
    assert container.describe() == "metrics=['mae', 'accuracy', 'weighted_mae', 'mse']"
    with pytest.raises(ValueError, match="Found two metrics with the same name: mae"):
        MetricsContainer(["mae", metrics.MeanAbsoluteError(name="mae")]).check_duplicates()


def test_metrics_of_one_output_keep_their_names_and_weighted_ones_use_sample_weights():
    container = MetricsContainer(["mse"], weighted_metrics=["mse"])
    container.build(t(Y1), t(P1), ["dense"])
    assert [m.name for m in container.metrics] == ["mse", "weighted_mse"]
    w = np.arange(6, dtype="float32")
    container.update_state(t(Y1), t(P1), sample_weight=t(w))
    plain, weighted = (float(m.result()) for m in container.metrics)
    per_sample = np.mean((Y1 - P1) ** 2, axis=-1)
    assert plain == pytest.approx(per_sample.mean(), rel=1e-6)
    assert weighted == pytest.approx(np.sum(per_sample * w) / np.sum(w), rel=1e-6)  # a metric divides by sum(w)
    container.reset_state()
    assert [float(m.result()) for m in container.metrics] == [0.0, 0.0]


def test_metrics_of_several_outputs_are_prefixed_with_the_output_names():
    same = MetricsContainer(["mae"])
    same.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])
    assert [m.name for m in same.metrics] == ["main_mae", "aux_mae"]
    by_name = MetricsContainer({"aux": ["mse", "mae"]})
    by_name.build({"aux": t(Y2), "main": t(Y1)}, [t(P1), t(P2)], ["main", "aux"])
    assert [m.name for m in by_name.metrics] == ["aux_mse", "aux_mae"]
    by_name.update_state({"aux": t(Y2), "main": t(Y1)}, [t(P1), t(P2)])
    assert float(by_name.metrics[0].result()) == pytest.approx(mse(Y2, P2), rel=1e-6)
    per_output = MetricsContainer([["mse"], ["mae"]])
    per_output.build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])
    assert [m.name for m in per_output.metrics] == ["main_mse", "aux_mae"]
    with pytest.raises(ValueError, match="metrics has 3 lists but the model has 2 outputs"):
        MetricsContainer([["mse"], ["mae"], ["mse"]]).build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])
    with pytest.raises(ValueError, match=r"metrics given for unknown outputs \['other'\]"):
        MetricsContainer({"other": ["mse"]}).build([t(Y1), t(Y2)], [t(P1), t(P2)], ["main", "aux"])


def test_accuracy_resolves_to_the_variant_the_data_needs():
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], dtype="float32")
    container = MetricsContainer(["accuracy"])
    container.build(t(np.array([1, 1, 1])), t(probs), ["o"])
    container.update_state(t(np.array([1, 1, 1])), t(probs))
    assert type(container.metrics[0]).__name__ == "SparseCategoricalAccuracy"
    assert container.metrics[0].name == "accuracy" and float(container.metrics[0].result()) == pytest.approx(2 / 3)


def test_names_of_identifiers():
    assert _name_of("mse") == "mse" and _name_of(None) == "None"
    assert _name_of(losses.MeanSquaredError()) == "mean_squared_error"
    assert _name_of(losses.mean_absolute_error) == "mean_absolute_error"
    assert _name_of(["mse", {"a": "mae"}]) == "[mse, {a: mae}]"
