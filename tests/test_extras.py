"""The install hint of an optional extra fits how the library was installed (issue 20.3)."""

import json
from pathlib import Path

import pytest

from micrograd_mlp import extras

ROOT = Path(__file__).resolve().parent.parent


def test_from_a_clone_the_hint_installs_the_clones_extra(monkeypatch, tmp_path):
    # these tests run from a clone of the repository: its own extra, never the index's package
    monkeypatch.chdir(ROOT)
    assert extras.install_command("digits") == 'pip install -e ".[digits]"'
    monkeypatch.chdir(tmp_path)  # elsewhere: the clone's full path
    assert extras.install_command("digits") == f'pip install -e "{ROOT}[digits]"'


class FakeDistribution:
    def __init__(self, record):
        self.record = record

    def read_text(self, name):
        assert name == "direct_url.json"
        return None if self.record is None else json.dumps(self.record)


@pytest.mark.parametrize("record, command", [
    (None, 'pip install "micrograd_mlp[digits]"'),  # from an index: pip records no URL
    ({"url": "file:///home/ann/micrograd_mlp", "dir_info": {"editable": True}},
     'pip install -e "/home/ann/micrograd_mlp[digits]"'),
    ({"url": "file:///home/ann/micrograd_mlp", "dir_info": {}}, 'pip install "/home/ann/micrograd_mlp[digits]"'),
    ({"url": "https://github.com/x/micrograd_mlp.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}},
     'pip install "micrograd_mlp[digits] @ https://github.com/x/micrograd_mlp.git"'),
])  # fmt: skip
def test_an_installed_copy_is_told_by_pips_record(monkeypatch, tmp_path, record, command):
    monkeypatch.setattr(extras, "_SOURCE_ROOT", tmp_path)  # as in site-packages: not a clone's folder
    monkeypatch.setattr(extras.metadata, "distribution", lambda name: FakeDistribution(record))
    assert extras.install_command("digits") == command


def test_not_installed_at_all_and_not_a_clone_gives_the_index_command(monkeypatch, tmp_path):
    def missing(name):
        raise extras.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(extras, "_SOURCE_ROOT", tmp_path)
    monkeypatch.setattr(extras.metadata, "distribution", missing)
    assert extras.install_command("torch") == 'pip install "micrograd_mlp[torch]"'


def test_the_missing_digits_message_uses_it(monkeypatch):
    from micrograd_mlp.data import MissingDigitsExtra

    monkeypatch.setattr(extras, "install_command", lambda extra: f"<install {extra}>")
    import micrograd_mlp.data as data

    monkeypatch.setattr(data, "install_command", lambda extra: f"<install {extra}>")
    assert str(MissingDigitsExtra()).endswith(": <install digits>")
