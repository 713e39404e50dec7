import math

import pytest

from micrograd_mlp import MLP, Value
from micrograd_mlp.optim import SGD, Adam, linear_decay, step_decay


def params_with_grads(data, grads):
    params = [Value(d, label=f"p{i}") for i, d in enumerate(data)]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_sgd_step_is_w_minus_lr_times_grad():
    params = params_with_grads([1.0, -2.0, 0.5], [0.5, -1.0, 0.0])
    SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -1.0, 0.5]


def test_sgd_momentum_matches_hand_computed_updates():
    (w,) = params_with_grads([1.0], [0.0])
    opt = SGD([w], lr=0.1, momentum=0.9)
    expected, velocity = 1.0, 0.0
    for grad in [2.0, -1.0, 0.5, 3.0]:
        w.grad = grad
        opt.step()
        velocity = 0.9 * velocity + grad
        expected -= 0.1 * velocity
        assert w.data == expected
    # by hand: v = 2, 0.8, 1.22, 4.098; w = 1 - 0.1 * (2 + 0.8 + 1.22 + 4.098)
    assert w.data == pytest.approx(1.0 - 0.8118, abs=1e-12)


def test_adam_matches_hand_computed_updates():
    (w,) = params_with_grads([1.0], [0.0])
    opt = Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    # step 1, g = 0.5: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25
    w.grad = 0.5
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), abs=1e-15)
    # step 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    w.grad = -1.0
    opt.step()
    m_hat = -0.055 / (1 - 0.9**2)
    v_hat = 0.00124975 / (1 - 0.999**2)
    step_two = 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert w.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8) - step_two, abs=1e-14)
    assert opt.steps == 2


def test_zero_grad_and_models_are_accepted():
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model, lr=0.1)
    model([1.0, 2.0]).backward()
    assert any(p.grad for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_schedule_is_called_with_the_step_index():
    (w,) = params_with_grads([0.0], [1.0])
    seen = []

    def schedule(step_index):
        seen.append(step_index)
        return 0.5

    opt = SGD([w], lr=schedule)
    for _ in range(3):
        opt.step()
    assert seen == [0, 1, 2]
    assert w.data == -1.5


def test_linear_decay_matches_micrographs_demo_schedule():
    schedule = linear_decay(1.0, 0.1, 100)
    assert [schedule(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert schedule(100) == schedule(1000) == 1.0 - 0.9


def test_step_decay():
    schedule = step_decay(1.0, 0.1, every=2)
    assert [schedule(k) for k in range(6)] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_non_finite_gradient_is_refused_before_any_update():
    params = params_with_grads([1.0, 2.0], [0.5, float("inf")])
    with pytest.raises(FloatingPointError, match="gradient of parameter p1 is inf"):
        SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0, 2.0]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: SGD(p, lr=-0.1), "lr must be a finite number >= 0, got -0.1"),
        (lambda p: SGD(p, lr="fast"), "lr must be a finite number >= 0"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), r"momentum must be a number in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9, 1.5)), r"betas must be two numbers in \[0, 1\), e.g. \(0.9, 0.999\); got \(0.9, 1.5\)"),
        (lambda p: Adam(p, betas=0.9), r"betas must be two numbers .*got 0.9"),
        (lambda p: Adam(p, betas=("0.9", 0.999)), r"betas must be two numbers .*got \('0.9', 0.999\)"),
        (lambda p: Adam(p, eps=0.0), "eps must be a finite number > 0, e.g. 1e-8; got 0.0"),
        (lambda p: Adam(p, eps="small"), "eps must be a finite number > 0"),
        (lambda p: SGD(p, lr=True), "lr must be a finite number >= 0, got True"),
        (lambda p: SGD([], lr=0.1), "SGD got no parameters"),
        (lambda p: linear_decay(1.0, 0.1, 0), "steps must be a positive int"),
        (lambda p: step_decay(1.0, 2.0, 5), r"factor must be a number in \(0, 1\]"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_bad_parameters_and_bad_schedule_values():
    with pytest.raises(TypeError, match="needs Values"):
        SGD([1.0, 2.0], lr=0.1)
    (w,) = params_with_grads([1.0], [1.0])
    with pytest.raises(ValueError, match=r"lr\(0\) from the schedule must be a finite number"):
        SGD([w], lr=lambda k: float("nan")).step()
