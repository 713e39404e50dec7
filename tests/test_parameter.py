"""Parameter: a Value whose every write is counted, so a copy of the weights knows when it is stale."""

import copy
import pickle
import threading

import pytest

from micrograd_mlp import MLP, SGD, Value
from micrograd_mlp.parameter import Parameter, writes


def test_every_way_of_setting_the_number_changes_the_stamp():
    w = Parameter(0.5, label="w")
    stamps = [writes()]
    w.data = 1.0
    stamps.append(writes())
    w.data -= 0.25  # a student's own update, micrograd style
    stamps.append(writes())
    w.grad = 3.0  # a gradient is not a weight: no new stamp
    stamps.append(writes())
    assert w.data == 0.75
    assert stamps[0] != stamps[1] != stamps[2] and stamps[2] == stamps[3]


def test_a_parameter_is_a_value_in_the_graph_and_in_backward():
    w, x = Parameter(3.0, label="w"), Value(2.0, label="x")
    y = w * x + w
    y.backward()
    assert isinstance(w, Value) and (y.data, w.grad, x.grad) == (9.0, 3.0, 3.0)


def test_models_are_made_of_parameters_and_an_optimizer_step_is_counted():
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    assert {type(p) for p in params} == {Parameter}
    before = writes()
    loss = model([1.0, -1.0]) ** 2
    loss.backward()
    SGD(params, lr=0.1).step()
    assert writes() != before


def test_pickle_and_copy_keep_the_kind_the_number_and_the_label():
    w = Parameter(-1.25, label="L1.N1.w1")
    for twin in (pickle.loads(pickle.dumps(w)), copy.deepcopy(w), copy.copy(w)):
        assert type(twin) is Parameter and twin.data == -1.25 and twin.label == "L1.N1.w1"


def test_writes_from_many_threads_all_change_the_stamp():
    # the stamp read before a write never equals one read after it, whatever the threads do
    w = [Parameter(0.0) for _ in range(4)]
    seen_equal = []

    def work(p):
        for i in range(2000):
            before = writes()
            p.data = float(i)
            if writes() == before:
                seen_equal.append(i)

    threads = [threading.Thread(target=work, args=(p,)) for p in w]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen_equal == []
    assert [p.data for p in w] == [1999.0] * 4


def test_the_data_attribute_refuses_nothing_a_value_accepts():
    w = Parameter(1)
    assert w.data == 1.0 and type(w.data) is float  # Value's own conversion at construction
    with pytest.raises(TypeError):
        Parameter("one")
