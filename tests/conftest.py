"""pytest's set-up for this project's tests."""

import optional


def pytest_configure(config):
    # Registered as a plugin (not only as this conftest's hooks) so that the rule for a missing
    # extra also covers the package's doctest modules, which live outside tests/.
    if not config.pluginmanager.is_registered(optional):
        config.pluginmanager.register(optional, "micrograd-mlp-missing-extras")
