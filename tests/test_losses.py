import math

import numpy as np
import pytest

from micrograd_mlp import MLP, Value
from micrograd_mlp.losses import bce_with_logits, binary_cross_entropy, hinge, l2, mse


def finite_difference_grads(loss_of, numbers, eps=1e-6):
    """Central differences d loss / d numbers[i], with loss_of(list of floats) -> float."""
    grads = []
    for i in range(len(numbers)):
        up, down = list(numbers), list(numbers)
        up[i] += eps
        down[i] -= eps
        grads.append((loss_of(up) - loss_of(down)) / (2 * eps))
    return grads


def check_loss(loss_fn, numbers, targets, reference):
    """Value and gradient of loss_fn against a NumPy reference and finite differences."""
    outputs = [Value(x) for x in numbers]
    loss = loss_fn(outputs, targets)
    loss.backward()
    assert loss.data == pytest.approx(reference(np.array(numbers), np.array(targets)), rel=1e-12)
    numeric = finite_difference_grads(lambda xs: loss_fn([Value(x) for x in xs], targets).data, numbers)
    assert [o.grad for o in outputs] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


OUTPUTS = [0.3, -1.7, 2.2, 0.05, -0.4]


def test_mse_value_and_gradient():
    targets = [1.0, -1.0, 0.5, 0.0, 2.0]
    check_loss(mse, OUTPUTS, targets, lambda o, t: np.mean(0.5 * (o - t) ** 2))


def test_mse_gradient_is_the_slides_grad_mse_over_batch_size():
    outputs = [Value(2.0), Value(-1.0)]
    mse(outputs, [0.5, 1.0]).backward()
    assert [o.grad for o in outputs] == [(2.0 - 0.5) / 2, (-1.0 - 1.0) / 2]


def test_mse_multi_output_sums_over_outputs_and_averages_over_samples():
    outputs = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    targets = np.array([[0.0, 0.0], [1.0, 1.0]])
    loss = mse(outputs, targets)
    assert loss.data == (0.5 * (1 + 4) + 0.5 * (1 + 4)) / 2


def test_single_sample_without_lists():
    assert mse(Value(3.0), 1.0).data == 2.0
    assert mse(Value(3.0), np.float64(1.0)).data == 2.0


def test_binary_cross_entropy_value_and_gradient():
    probs = [0.9, 0.2, 0.6, 0.35]
    targets = [1, 0, 0, 1]
    check_loss(
        binary_cross_entropy,
        probs,
        targets,
        lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
    )


def test_binary_cross_entropy_soft_targets():
    probs = [0.9, 0.2]
    targets = [0.7, 0.25]
    check_loss(
        binary_cross_entropy,
        probs,
        targets,
        lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
    )


def test_binary_cross_entropy_exact_zero_and_one_on_the_right_side_is_fine():
    loss = binary_cross_entropy([Value(1.0), Value(0.0)], [1, 0])
    assert loss.data == 0.0


@pytest.mark.parametrize("p, t", [(1.0, 0), (0.0, 1)])
def test_binary_cross_entropy_saturated_wrong_side_is_a_clear_error(p, t):
    with pytest.raises(ValueError, match="infinite loss.*bce_with_logits"):
        binary_cross_entropy([Value(p)], [t])


def test_binary_cross_entropy_refuses_non_probabilities_and_bad_labels():
    with pytest.raises(ValueError, match="1.5 is not a probability"):
        binary_cross_entropy([Value(1.5)], [1])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\].*got -1"):
        binary_cross_entropy([Value(0.5)], [-1])


def reference_bce_logits(z, t):
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def test_bce_with_logits_value_and_gradient():
    targets = [1, 0, 1, 0, 1]
    check_loss(bce_with_logits, OUTPUTS, targets, reference_bce_logits)


def test_bce_with_logits_gradient_is_sigmoid_minus_target_at_zero():
    for t in (0.0, 1.0):
        z = Value(0.0)
        bce_with_logits(z, t).backward()
        assert z.grad == 0.5 - t


@pytest.mark.parametrize("z, t, loss, grad", [(1000.0, 0, 1000.0, 1.0), (-1000.0, 1, 1000.0, -1.0),
                                              (1000.0, 1, 0.0, 0.0), (-1000.0, 0, 0.0, 0.0)])
def test_bce_with_logits_is_stable_for_huge_logits(z, t, loss, grad):
    logit = Value(z)
    value = bce_with_logits(logit, t)
    value.backward()
    assert value.data == loss
    assert logit.grad == grad


def test_bce_with_logits_equals_bce_of_sigmoid():
    logits = [Value(x) for x in OUTPUTS]
    targets = [1, 0, 0, 1, 1]
    assert bce_with_logits(logits, targets).data == pytest.approx(
        binary_cross_entropy([z.sigmoid() for z in logits], targets).data, rel=1e-12
    )


def test_hinge_value_and_gradient():
    labels = [1, -1, -1, 1, 1]
    scores = [0.3, -1.7, 0.2, 1.6, -0.4]  # kinks (margin exactly 1) avoided
    check_loss(hinge, scores, labels, lambda s, y: np.mean(np.maximum(0.0, 1 - y * s)))


def test_hinge_refuses_zero_one_labels():
    with pytest.raises(ValueError, match="labels must be -1 or \\+1, got 0.0.*to_pm1"):
        hinge([Value(0.5)], [0])


def test_l2_value_and_gradient():
    params = [Value(x) for x in OUTPUTS]
    penalty = l2(params, alpha=0.01)
    penalty.backward()
    assert penalty.data == pytest.approx(0.01 * sum(x * x for x in OUTPUTS), rel=1e-12)
    assert [p.grad for p in params] == pytest.approx([0.02 * x for x in OUTPUTS], rel=1e-12)
    numeric = finite_difference_grads(lambda xs: l2([Value(x) for x in xs], 0.01).data, OUTPUTS)
    assert [p.grad for p in params] == pytest.approx(numeric, rel=1e-6)


def test_l2_accepts_a_model():
    model = MLP(2, [3, 1], seed=0)
    assert l2(model, 1.0).data == pytest.approx(sum(p.data**2 for p in model.parameters()))


@pytest.mark.parametrize("alpha", [-0.1, float("nan"), "0.1", True])
def test_l2_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be"):
        l2([Value(1.0)], alpha)


@pytest.mark.parametrize("loss_fn", [mse, binary_cross_entropy, bce_with_logits, hinge])
def test_length_mismatch_is_a_value_error(loss_fn):
    with pytest.raises(ValueError, match="got 2 outputs but 3 targets"):
        loss_fn([Value(0.5), Value(0.5)], [1, 1, 1])


def test_other_shape_errors():
    with pytest.raises(ValueError, match="no outputs"):
        mse([], [])
    with pytest.raises(ValueError, match="sample 0 has 2 outputs but 1 targets"):
        mse([[Value(1.0), Value(2.0)]], [1.0])
    with pytest.raises(ValueError, match="got 2 outputs but a single target"):
        mse([Value(1.0), Value(2.0)], 1.0)
    with pytest.raises(TypeError, match="target of sample 0 must be a number"):
        mse([Value(1.0)], ["1"])


def test_loss_gradient_reaches_the_weights_of_a_model():
    model = MLP(2, [4, 1], "tanh", seed=0)
    X = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]]
    y = [1, 0, 1]
    bce_with_logits([model(x) for x in X], y).backward()
    params = model.parameters()
    analytic = [p.grad for p in params]

    def loss_at(values):
        for p, v in zip(params, values):
            p.data = v
        return bce_with_logits([model(x) for x in X], y).data

    start = [p.data for p in params]
    numeric = finite_difference_grads(loss_at, start)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-8)
    assert math.isfinite(sum(analytic))


@pytest.mark.parametrize("loss_fn", [mse, binary_cross_entropy, bce_with_logits, hinge])
def test_plain_number_and_numpy_outputs_still_give_a_value(loss_fn):
    targets = [1, 1]
    expected = loss_fn([Value(0.25), Value(0.75)], targets).data
    for outputs in ([0.25, 0.75], np.array([0.25, 0.75])):
        loss = loss_fn(outputs, targets)
        assert isinstance(loss, Value) and loss.data == expected


def test_multi_output_gradient_matches_finite_differences():
    # two samples of three outputs: sum over outputs, mean over samples
    targets = [[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]]

    def loss_of(numbers):
        values = [Value(x) for x in numbers]
        return mse([values[:3], values[3:]], targets), values

    loss, values = loss_of([0.3, -1.7, 2.2, 0.05, -0.4, 1.1])
    loss.backward()
    numeric = finite_difference_grads(lambda xs: loss_of(xs)[0].data, [v.data for v in values])
    assert [v.grad for v in values] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    # by hand: (output - target) / number of samples
    assert [v.grad for v in values] == pytest.approx([-0.35, -0.85, 1.6, -0.225, -1.2, 0.55], rel=1e-12)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_targets_are_refused(bad):
    with pytest.raises(ValueError, match=rf"mse: target of sample 1 is {bad!r}; targets must be finite"):
        mse([Value(1.0), Value(2.0)], [0.0, bad])
