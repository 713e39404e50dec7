"""Models, their files and their arguments under abuse (issue 13: file modes, NumPy numbers, damaged model files)."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import micrograd_mlp
from micrograd_mlp import MLP, SGD, ModelFileError, load, nn, save, saving


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_save_honours_the_umask_and_keeps_an_existing_mode(tmp_path):
    path = tmp_path / "model.json"
    old = os.umask(0o022)
    try:
        save(MLP(2, [2, 1], seed=0), path)
        assert mode_of(path) == 0o644
        os.chmod(path, 0o640)
        save(MLP(2, [2, 1], seed=1), path)
        assert mode_of(path) == 0o640
        os.umask(0o077)
        save(MLP(2, [2, 1], seed=0), tmp_path / "private.json")
        assert mode_of(tmp_path / "private.json") == 0o600
    finally:
        os.umask(old)


def test_numpy_scalar_weights_save_and_step_as_python_floats(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    w = model.layers[0].neurons[0].w[0]
    w.data = np.float32(0.5)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").layers[0].neurons[0].w[0].data == 0.5
    w.grad = np.float32(1.0)
    SGD([w], lr=0.25).step()
    assert type(w.data) is float and w.data == 0.25


def test_save_refuses_a_weight_that_is_not_a_number(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].b.data = "0.5"
    with pytest.raises(TypeError, match=r"parameter L1\.N2\.b holds str '0\.5'"):
        save(model, tmp_path / "model.json")


@pytest.fixture
def model_document(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], seed=0), path)
    return json.loads(path.read_text())


def write(tmp_path, text):
    path = tmp_path / "damaged.json"
    path.write_text(text)
    return path


def test_deeply_nested_json_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load(write(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_activations_of_the_wrong_type_are_a_model_file_error(tmp_path, model_document):
    model_document["activations"] = [["relu"], "linear"]
    with pytest.raises(ModelFileError, match="bad activations"):
        load(write(tmp_path, json.dumps(model_document)))


def test_a_5000_digit_number_is_a_model_file_error(tmp_path, model_document):
    text = json.dumps(model_document).replace('"nin": 2', '"nin": ' + "9" * 5000)
    with pytest.raises(ModelFileError) as caught:
        load(write(tmp_path, text))
    assert len(str(caught.value)) < 600


def test_a_huge_list_is_cut_in_the_message(tmp_path, model_document):
    model_document["nin"] = list(range(1_000_000))
    with pytest.raises(ModelFileError) as caught:
        load(write(tmp_path, json.dumps(model_document)))
    assert len(str(caught.value)) < 600 and "..." in str(caught.value)


@pytest.mark.parametrize("field, bad", [("weights", [[{"w": [[1.0], 2.0], "b": 0.0}]] * 2),
                                        ("weights", [[["w"]], [[]]]), ("nouts", [[2], 1]),
                                        ("nouts", {"a": 1}), ("fused", "yes")])  # fmt: skip
def test_odd_shapes_anywhere_are_model_file_errors(tmp_path, model_document, field, bad):
    model_document[field] = bad
    with pytest.raises(ModelFileError):
        load(write(tmp_path, json.dumps(model_document)))


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code = (f"from micrograd_mlp import load\ntry:\n    load({str(fifo)!r})\n"
            f"except Exception as e:\n    print(type(e).__name__, e)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(micrograd_mlp.__file__).parents[1])})  # fmt: skip
    assert done.stdout.startswith("ModelFileError") and "not a regular file" in done.stdout


def test_a_device_is_refused():
    with pytest.raises(ModelFileError, match="not a regular file"):
        load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(saving, "MAX_MODEL_FILE_BYTES", 1000)
    path = write(tmp_path, " " * 1001)
    with pytest.raises(ModelFileError, match=r"1,001 bytes.*larger than the 1,000 bytes.*micrograd_mlp\.saving\.MAX_MODEL_FILE_BYTES"):
        load(path)


def test_numpy_integers_are_seeds():
    same = [p.data for p in MLP(2, [3, 1], seed=np.int64(7)).parameters()]
    assert same == [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    with pytest.raises(TypeError, match=r"seed must be a whole number such as 0, got float 1\.5"):
        MLP(2, [3, 1], seed=1.5)


def test_numpy_integers_are_layer_sizes():
    model = MLP(np.int64(2), np.array([4, 1]), seed=0)
    assert model.nouts == [4, 1] and all(type(n) is int for n in [model.nin, *model.nouts])
    assert MLP(2, (np.int32(3), np.uint8(1)), seed=0).num_parameters() == 13


@pytest.mark.parametrize("nouts, message", [([4.5, 1], r"every layer size in nouts must be a positive int, got 4\.5"),
                                            (np.array([[4, 1]]), "nouts must be a non-empty list of layer sizes"),
                                            (np.array([]), "nouts must be a non-empty list"),
                                            ([np.float64(4.0), 1], r"got np\.float64\(4\.0\)"), (4, "non-empty list")])  # fmt: skip
def test_sizes_that_are_not_whole_numbers_are_refused(nouts, message):
    with pytest.raises(ValueError, match=message):
        MLP(2, nouts)


def test_an_input_too_large_for_a_float_is_a_clear_error():
    with pytest.raises(ValueError, match=r"model\(x\): x\[0\] is an int of 1329 bits, too large for a float"):
        MLP(2, [1], seed=0)([10**400, 0])
