"""For test modules written against the old tests/built.py (built_config(), built_store() as functions):
the same names, backed by conftest's session fixtures `built` and `built_store`. Import all three names:

    from built_compat import built_config, built_store, use_built  # noqa: F401 (use_built is a fixture)
"""

from __future__ import annotations

import pytest

_session: dict = {}


@pytest.fixture(scope="module", autouse=True)
def use_built(built, built_store):
    _session.update(config=built, store=built_store)


def built_config():
    return _session["config"]


def built_store():
    return _session["store"]
