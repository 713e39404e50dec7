import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_mlp import MLP, load, load_into, save
from micrograd_mlp.nn import ModelFileError


def trained_like(model, seed=0):
    """Give every parameter an awkward float (many digits, tiny, negative)."""
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data = float(rng.normal() * 10.0 ** rng.integers(-12, 3))
    return model


def snapshot(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("fused", [False, True])
def test_round_trip_gives_bit_identical_weights_and_predictions(tmp_path, fused):
    model = trained_like(MLP(2, [5, 4, 1], "tanh", "sigmoid", seed=0, fused=fused))
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert snapshot(loaded) == snapshot(model)
    assert loaded.fused == fused
    assert [layer.activation for layer in loaded.layers] == ["tanh", "tanh", "sigmoid"]
    assert [n.activation for n in loaded.layers[0].neurons] == ["tanh"] * 5
    for x in np.random.default_rng(1).normal(size=(20, 2)).tolist():
        assert loaded(x).data == model(x).data
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]


def test_file_holds_architecture_and_weights_as_json(tmp_path):
    model = MLP(3, [2, 1], seed=0)
    save(model, tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "micrograd_mlp.MLP" and document["version"] == 1
    assert document["nin"] == 3 and document["nouts"] == [2, 1]
    assert document["activations"] == ["relu", "linear"] and document["fused"] is False
    assert document["weights"][0][1]["w"] == [w.data for w in model.layers[0].neurons[1].w]
    assert document["weights"][1][0]["b"] == 0.0


def test_load_into_copies_weights_into_an_existing_model(tmp_path):
    source = trained_like(MLP(2, [3, 1], seed=0))
    save(source, tmp_path / "m.json")
    target = MLP(2, [3, 1], seed=5)
    assert load_into(target, tmp_path / "m.json") is target
    assert snapshot(target) == snapshot(source)


def test_save_overwrites_atomically_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "m.json"
    save(MLP(2, [3, 1], seed=0), path)
    second = trained_like(MLP(2, [3, 1], seed=1))
    save(second, path)
    assert snapshot(load(path)) == snapshot(second)
    assert os.listdir(tmp_path) == ["m.json"]


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.json"
    save(MLP(2, [3, 1], seed=0), path)
    before = path.read_bytes()
    broken = MLP(2, [3, 1], seed=1)
    broken.layers[1].neurons[0].w[2].data = float("nan")
    with pytest.raises(ValueError, match="cannot save: parameter L2.N1.w3 is nan"):
        save(broken, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.json"
    save(trained_like(MLP(2, [3, 1], seed=0)), path)
    return path


def rewrite(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


BAD_FILES = {
    "truncated": (lambda p: p.write_text(p.read_text()[:-25]), ModelFileError, "is not valid JSON.*truncated"),
    "empty": (lambda p: p.write_text(""), ModelFileError, "is not valid JSON"),
    "binary": (lambda p: p.write_bytes(b"\x80\x81\xfe"), ModelFileError, "is not valid JSON"),
    "not ours": (lambda p: p.write_text('{"hello": 1}'), ModelFileError,
                 "is not a saved MLP: format is None, expected 'micrograd_mlp.MLP'"),
    "a list": (lambda p: p.write_text("[1, 2]"), ModelFileError, "format is 'list'"),
    "future version": (lambda p: rewrite(p, lambda d: d.update(version=2)), ModelFileError,
                       "has version 2; this library reads version 1"),
    "short weights": (lambda p: rewrite(p, lambda d: d["weights"][0][2]["w"].pop()), ModelFileError,
                      "neuron L1.N3 needs 2 finite weights 'w' and a bias 'b'"),
    "text weight": (lambda p: rewrite(p, lambda d: d["weights"][1][0].update(b="0.5")), ModelFileError,
                    "neuron L2.N1 needs"),
    "missing layer": (lambda p: rewrite(p, lambda d: d["weights"].pop()), ModelFileError,
                      "expected weights for 2 layers"),
    "int too big for a float": (lambda p: rewrite(p, lambda d: d["weights"][1][0].update(b=10**400)),
                                ModelFileError, "neuron L2.N1 needs"),
    "NaN weight": (lambda p: p.write_text(p.read_text().replace('"b": ', '"b": NaN, "was": ', 1)),
                   ModelFileError, "neuron L1.N1 needs 2 finite weights"),
    "bad activation": (lambda p: rewrite(p, lambda d: d.update(activations=["relu", "softmax"])),
                       ModelFileError, "bad activations"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_are_clear_errors_and_leave_the_model_untouched(saved, case):
    damage, error, message = BAD_FILES[case]
    damage(saved)
    before_file = saved.read_bytes()
    model = MLP(2, [3, 1], seed=9)
    before = snapshot(model)
    with pytest.raises(error, match=message):
        load_into(model, saved)
    with pytest.raises(error, match=message):
        load(saved)
    assert snapshot(model) == before
    assert saved.read_bytes() == before_file


def test_missing_file(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    before = snapshot(model)
    with pytest.raises(FileNotFoundError, match=r"no model file at .*nowhere.json'; check the path, or save\(model, path\) first"):
        load(tmp_path / "nowhere.json")
    with pytest.raises(FileNotFoundError, match="no model file at .*nowhere.json"):
        load_into(model, tmp_path / "nowhere.json")
    assert snapshot(model) == before


def test_a_folder_is_not_a_model_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a model file"):
        load(tmp_path)
    with pytest.raises(IsADirectoryError, match=r"cannot save to .*: it is a folder; give a file name, e.g. .*model.json"):
        save(MLP(2, [3, 1], seed=0), tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_load_into_needs_a_model(saved):
    with pytest.raises(TypeError, match=r"load_into\(\) needs an MLP to copy the weights into, got str"):
        load_into("model", saved)


@pytest.mark.parametrize(
    "other, found",
    [
        (MLP(2, [4, 1], seed=0), r"nouts=\[4, 1\]"),
        (MLP(3, [3, 1], seed=0), "nin=3"),
        (MLP(2, [3, 1], "tanh", seed=0), r"activations=\['tanh', 'linear'\]"),
    ],
)
def test_mismatched_architecture_names_expected_and_found(saved, other, found):
    before = snapshot(other)
    with pytest.raises(ValueError, match=f"holds a different network: expected .*{found}.*, found nin=2, "
                                         r"nouts=\[3, 1\], activations=\['relu', 'linear'\]; load\(path\) builds a new model"):
        load_into(other, saved)
    assert snapshot(other) == before


def test_save_refuses_non_models_and_mixed_layers(tmp_path):
    with pytest.raises(TypeError, match="save\\(\\) needs an MLP, got list"):
        save([1, 2], tmp_path / "m.json")
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match="layer L1 mixes activations"):
        save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_save_into_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot save to .*: the folder .*nowhere.* does not exist"):
        save(MLP(2, [3, 1], seed=0), tmp_path / "nowhere" / "m.json")


any_finite_float = st.floats(allow_nan=False, allow_infinity=False)  # subnormals, -0.0, 1e308 too


@settings(max_examples=40, deadline=None)
@given(st.lists(any_finite_float, min_size=9, max_size=9))
def test_any_finite_weights_round_trip_bit_identically(tmp_path_factory, numbers):
    model = MLP(2, [2, 1], seed=0)
    for p, number in zip(model.parameters(), numbers):
        p.data = number
    path = tmp_path_factory.mktemp("roundtrip") / "m.json"
    save(model, path)
    loaded = snapshot(load(path))
    assert [n.hex() for n in loaded] == [n.hex() for n in numbers]  # hex: -0.0 != 0.0


# A file saved before labels counted from 1 (save() of commit 2c91029, when
# mlp.layers[0].neurons[0].w[0] was labelled "L0.N0.w0"), written out as that
# save() wrote it for an MLP(2, [2, 1], "tanh") with these weights.
SAVED_WITH_0_BASED_LABELS = (
    '{"format": "micrograd_mlp.MLP", "version": 1, "nin": 2, "nouts": [2, 1], "activations": ["tanh", '
    '"linear"], "fused": false, "weights": [[{"w": [0.5, -1.25], "b": 0.125}, {"w": [2.0, 1e-300], "b": '
    '-0.0}], [{"w": [0.1, -3.5], "b": 0.30000000000000004}]]}'
)


def test_a_file_saved_before_labels_counted_from_1_loads_the_same_weights(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(SAVED_WITH_0_BASED_LABELS)
    expected = [0.5, -1.25, 0.125, 2.0, 1e-300, -0.0, 0.1, -3.5, 0.30000000000000004]
    for model in (load(path), load_into(MLP(2, [2, 1], "tanh", seed=9), path)):
        assert [float.hex(p.data) for p in model.parameters()] == [float.hex(v) for v in expected]  # -0.0 too
        # the weights keep their place; only their labels now count from 1
        assert [p.label for p in model.parameters()] == [
            "L1.N1.w1", "L1.N1.w2", "L1.N1.b", "L1.N2.w1", "L1.N2.w2", "L1.N2.b", "L2.N1.w1", "L2.N1.w2", "L2.N1.b",
        ]  # fmt: skip
        hidden = [np.tanh(0.125 + 0.5 * 1.0 - 1.25 * 2.0), np.tanh(-0.0 + 2.0 * 1.0 + 1e-300 * 2.0)]
        assert model([1.0, 2.0]).data == pytest.approx(0.30000000000000004 + 0.1 * hidden[0] - 3.5 * hidden[1], rel=1e-15)
    save(load(path), tmp_path / "again.json")  # and saving it again writes the same document
    assert json.loads((tmp_path / "again.json").read_text()) == json.loads(SAVED_WITH_0_BASED_LABELS)


def test_the_file_functions_moved_to_saving_and_nn_still_gives_them():
    import micrograd_mlp
    from micrograd_mlp import nn, saving

    for name in ("save", "load", "load_into", "ModelFileError"):
        assert getattr(nn, name) is getattr(saving, name) is getattr(micrograd_mlp, name)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        nn.nothing
