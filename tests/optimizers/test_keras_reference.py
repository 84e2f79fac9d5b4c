"""Optimizers against real Keras 3: the recorded fixture, and values computed with Keras 3.15.1.

The five trajectories of tests/fixtures/optimizers.json are checked step by
step (loss and weights). Every other optimizer and option runs four steps on
the same Dense problem, compared with the weights real Keras reached; those
numbers were computed once with TensorFlow/Keras 3.15.1 (same problem,
`opt.apply(tape.gradient(loss, [kernel, bias]), [kernel, bias])`, learning
rate 0.01 unless another rate or a schedule is named) and pasted here.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from learnkeras import optimizers
from learnkeras.optimizers import schedules

FIXTURE = json.loads((Path(__file__).parent.parent / "fixtures" / "optimizers.json").read_text())

KERAS_AFTER_4_STEPS = {
    'SGD_nesterov': (
        [[-0.475826442, -0.447259098, -0.353529334], [-0.256501615, -0.128603637, 0.0107657444], [0.0571930297, 0.145626888, 0.180170238], [0.395683199, 0.46633634, 0.554805636]],
        [0.116309106, -0.153052807, 0.280741781],
    ),
    'SGD_weight_decay': (
        [[-0.523160875, -0.44725728, -0.349809736], [-0.251234651, -0.142276779, -0.0294013284], [0.052210737, 0.1479287, 0.225668997], [0.363805681, 0.453653365, 0.549393237]],
        [0.105127193, -0.183607563, 0.292388916],
    ),
    'SGD_clipnorm': (
        [[-0.547747552, -0.449909627, -0.350113899], [-0.250208855, -0.149345934, -0.0481151715], [0.050220184, 0.149861932, 0.24785395], [0.351391703, 0.45050019, 0.550143778]],
        [0.1012647, -0.196494654, 0.298546404],
    ),
    'SGD_clipvalue': (
        [[-0.547999918, -0.449007541, -0.35125795], [-0.251999974, -0.148000032, -0.0479999967], [0.0520000048, 0.148501262, 0.248000026], [0.351999968, 0.451999962, 0.551593482]],
        [0.102000006, -0.198000029, 0.298000038],
    ),
    'SGD_global_clipnorm': (
        [[-0.547913313, -0.449915856, -0.350105673], [-0.250193506, -0.14939411, -0.048253987], [0.0502041094, 0.149872497, 0.248011887], [0.351289362, 0.45046407, 0.550132811]],
        [0.100476272, -0.198680133, 0.299452662],
    ),
    'RMSprop_momentum': (
        [[-0.409281015, -0.450926602, -0.434376866], [-0.278633684, -0.025952857, 0.0868451819], [0.108252637, 0.138475031, 0.111508623], [0.489642262, 0.577704012, 0.702258706]],
        [0.214329705, -0.0610459112, 0.166524559],
    ),
    'RMSprop_centered': (
        [[-0.450741887, -0.446949452, -0.415020794], [-0.278110862, -0.060981866, 0.04657498], [0.100602463, 0.137945548, 0.152324498], [0.448460668, 0.541569769, 0.656344652]],
        [0.181885287, -0.10198231, 0.205550343],
    ),
    'RMSprop_centered_momentum': (
        [[-0.420224339, -0.435748965, -0.431136042], [-0.287681431, -0.0353470333, 0.0764154941], [0.109672859, 0.125078291, 0.122138381], [0.478867173, 0.567831457, 0.689405382]],
        [0.206487536, -0.0717443973, 0.176601812],
    ),
    'Adam_amsgrad': (
        [[-0.510046363, -0.414402246, -0.389178127], [-0.287544429, -0.110257961, -0.0100824917], [0.0884838179, 0.113176428, 0.21006535], [0.389946163, 0.489770025, 0.590083122]],
        [0.139682457, -0.160062477, 0.260123938],
    ),
    'AdamW': (
        [[-0.509960771, -0.414335012, -0.389119267], [-0.287504643, -0.110236503, -0.0100769196], [0.0884750709, 0.113157578, 0.210027769], [0.38988775, 0.489695579, 0.589992821]],
        [0.139664173, -0.160032883, 0.260078639],
    ),
    'AdamW_strong': (
        [[-0.499430358, -0.406373173, -0.381875247], [-0.282598883, -0.107599355, -0.00939260982], [0.0873878449, 0.110854886, 0.205406323], [0.38269797, 0.480527699, 0.578878403]],
        [0.137415469, -0.15639323, 0.254504591],
    ),
    'Adagrad_custom': (
        [[-0.528832078, -0.448674977, -0.351697236], [-0.253095269, -0.14065966, -0.0305449404], [0.0533393398, 0.147947401, 0.229319617], [0.366585791, 0.457357645, 0.552244544]],
        [0.107427485, -0.18316859, 0.291454911],
    ),
    'Adadelta': (
        [[-0.549942613, -0.449942619, -0.350057364], [-0.250057369, -0.149942577, -0.0499425568], [0.0500574149, 0.149942636, 0.249942556], [0.350057483, 0.450057477, 0.550057411]],
        [0.100057438, -0.199942559, 0.299942523],
    ),
    'Adadelta_lr1': (
        [[-0.544268548, -0.444529355, -0.355624855], [-0.255540311, -0.144309834, -0.0442773923], [0.0555831119, 0.144487634, 0.24427335], [0.355729491, 0.455694258, 0.555778503]],
        [0.105681546, -0.194272667, 0.29428643],
    ),
    'Adamax': (
        [[-0.510524333, -0.420695931, -0.38519147], [-0.281734973, -0.112285621, -0.0109159527], [0.083427161, 0.119306751, 0.210738629], [0.389388144, 0.487903744, 0.588790417]],
        [0.137317806, -0.160705313, 0.26130107],
    ),
    'Nadam': (
        [[-0.517778993, -0.425702065, -0.379775882], [-0.27688092, -0.118682817, -0.0179719701], [0.0784089863, 0.124197468, 0.217884988], [0.382177114, 0.481431901, 0.583158076]],
        [0.131075054, -0.16786702, 0.268158913],
    ),
    'Ftrl': (
        [[-0.275982708, -0.00838629622, -0.00246264483], [-0.0221422538, -0.0123941898, 0.000132301007], [0.0178348087, 0.0074859513, 0.108557664], [0.15172483, 0.0475614034, 0.0172529593]],
        [0.0271092448, -0.0518596694, 0.0384693891],
    ),
    'Ftrl_regularized': (
        [[-0.291982859, -0.00742746145, -0.00133651122], [-0.0219175369, -0.0107422033, -0.00135104125], [0.018224882, 0.00726008089, 0.115499951], [0.153192103, 0.0450143591, 0.0163341686]],
        [0.0271723773, -0.0525984094, 0.0364516564],
    ),
    'Lion': (
        [[-0.51000005, -0.410000026, -0.389999956], [-0.289999962, -0.109999999, -0.00999999978], [0.0899999961, 0.109999999, 0.209999979], [0.389999956, 0.48999995, 0.589999974]],
        [0.140000001, -0.159999982, 0.26000005],
    ),
    'Adam_ema': (
        [[-0.522521138, -0.424080312, -0.377169639], [-0.276589245, -0.122611105, -0.0225369409], [0.0769165903, 0.123657018, 0.222529441], [0.377475619, 0.477400064, 0.577540338]],
        [0.127365083, -0.172528207, 0.272554934],
    ),
    'SGD_accumulation': (
        [[-0.534436524, -0.449377745, -0.350783437], [-0.251435131, -0.145483911, -0.0370050929], [0.0515209548, 0.149052396, 0.235189632], [0.359613687, 0.453457773, 0.550992548]],
        [0.103539035, -0.190155044, 0.295921832],
    ),
    'Adam_loss_scale': (
        [[-0.51004678, -0.414409369, -0.389169306], [-0.287539989, -0.110259436, -0.0100830002], [0.0884794146, 0.113183133, 0.210065797], [0.389945477, 0.489768147, 0.590076745]],
        [0.139680535, -0.160063148, 0.260125607],
    ),
    'Adam_exponential_decay': (
        [[-0.422513217, -0.418579847, -0.443659306], [-0.301376253, -0.0275742952, 0.0768158436], [0.122331344, 0.109129362, 0.122861125], [0.477330983, 0.573753357, 0.678138912]],
        [0.218680263, -0.0727948323, 0.174090117],
    ),
    'SGD_cosine_warmup': (
        [[-0.411558092, -0.445726186, -0.355834097], [-0.260875225, -0.110536896, 0.0590930656], [0.0632369071, 0.142367423, 0.122450806], [0.434761167, 0.479954123, 0.559249043]],
        [0.128351927, -0.112277001, 0.264713019],
    ),
}


def _build(case: str):
    """The optimizer of each case, with the arguments used when the Keras numbers were computed."""
    lr = 0.01
    return {
        "SGD_nesterov": lambda: optimizers.SGD(lr, momentum=0.9, nesterov=True),
        "SGD_weight_decay": lambda: optimizers.SGD(lr, weight_decay=0.1),
        "SGD_clipnorm": lambda: optimizers.SGD(lr, clipnorm=0.1),
        "SGD_clipvalue": lambda: optimizers.SGD(lr, clipvalue=0.05),
        "SGD_global_clipnorm": lambda: optimizers.SGD(lr, global_clipnorm=0.1),
        "RMSprop_momentum": lambda: optimizers.RMSprop(lr, momentum=0.5),
        "RMSprop_centered": lambda: optimizers.RMSprop(lr, centered=True),
        "RMSprop_centered_momentum": lambda: optimizers.RMSprop(lr, centered=True, momentum=0.5, rho=0.8),
        "Adam_amsgrad": lambda: optimizers.Adam(lr, amsgrad=True),
        "AdamW": lambda: optimizers.AdamW(lr),
        "AdamW_strong": lambda: optimizers.AdamW(lr, weight_decay=0.5, amsgrad=True),
        "Adagrad_custom": lambda: optimizers.Adagrad(lr, initial_accumulator_value=0.5, epsilon=1e-3),
        "Adadelta": lambda: optimizers.Adadelta(lr),
        "Adadelta_lr1": lambda: optimizers.Adadelta(1.0),
        "Adamax": lambda: optimizers.Adamax(lr),
        "Nadam": lambda: optimizers.Nadam(lr),
        "Ftrl": lambda: optimizers.Ftrl(lr),
        "Ftrl_regularized": lambda: optimizers.Ftrl(
            lr, l1_regularization_strength=0.01, l2_regularization_strength=0.02,
            l2_shrinkage_regularization_strength=0.03, beta=0.1, learning_rate_power=-0.7,
        ),
        "Lion": lambda: optimizers.Lion(lr),
        "Adam_ema": lambda: optimizers.Adam(lr, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2),
        "SGD_accumulation": lambda: optimizers.SGD(lr, momentum=0.5, gradient_accumulation_steps=2),
        "Adam_loss_scale": lambda: optimizers.Adam(lr, loss_scale_factor=4.0),
        "Adam_exponential_decay": lambda: optimizers.Adam(schedules.ExponentialDecay(0.05, 2, 0.5)),
        "SGD_cosine_warmup": lambda: optimizers.SGD(schedules.CosineDecay(0.0, 4, warmup_target=0.1, warmup_steps=2)),
    }[case]()


@pytest.mark.parametrize("case", sorted(FIXTURE["cases"]))
def test_recorded_keras_trajectory(problem, case):
    spec = FIXTURE["cases"][case]
    optimizer = getattr(optimizers, spec["optimizer"])(learning_rate=FIXTURE["learning_rate"], **spec["kwargs"])
    steps = problem.run(optimizer, len(spec["steps"]))
    assert len(steps) == 5
    for (loss, kernel, bias), expected in zip(steps, spec["steps"]):
        assert abs(loss - expected["loss"]) < 1e-5
        np.testing.assert_allclose(kernel, expected["kernel"], atol=1e-5, rtol=0)
        np.testing.assert_allclose(bias, expected["bias"], atol=1e-5, rtol=0)


@pytest.mark.parametrize("case", sorted(KERAS_AFTER_4_STEPS))
def test_matches_keras_after_four_steps(problem, case):
    expected_kernel, expected_bias = KERAS_AFTER_4_STEPS[case]
    _, kernel, bias = problem.run(_build(case), 4)[-1]
    np.testing.assert_allclose(kernel, expected_kernel, atol=1e-5, rtol=0)
    np.testing.assert_allclose(bias, expected_bias, atol=1e-5, rtol=0)
    # The weights must have moved, by more than the tolerance (Adadelta at 0.01 barely moves:
    # "Adadelta_lr1" checks its rule at a visible scale).
    assert np.abs(kernel - problem.kernel0).max() > (1e-6 if case == "Adadelta" else 1e-4)
