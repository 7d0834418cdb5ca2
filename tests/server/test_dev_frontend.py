"""The dev frontend server's host: how `vite.config.js` is rewritten, and what the setting takes."""

from __future__ import annotations

import pytest

from clerk_fullstack.core.settings import ConfigError, load_settings
from clerk_fullstack.server.dev_frontend import bind_dev_server

pytestmark = pytest.mark.unit

REFLEX_VITE_CONFIG = """export default defineConfig((config) => ({
  base: "/",
  plugins: [
    reactRouter(),
  ].concat([]),
}));
"""


def test_the_vite_plugin_is_added_first_and_sets_the_host() -> None:
    rewritten = bind_dev_server(REFLEX_VITE_CONFIG, "127.0.0.1")
    plugins = rewritten.split("plugins: [", 1)[1]
    assert plugins.lstrip().startswith('{ name: "clerk-fullstack-dev-host", apply: "serve"')
    assert 'server: { host: "127.0.0.1" }' in plugins
    assert rewritten.count("clerk-fullstack-dev-host") == 1


def test_an_unexpected_vite_config_is_an_error_not_a_silent_no_op() -> None:
    with pytest.raises(ValueError, match="plugins"):
        bind_dev_server("export default {};", "127.0.0.1")


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "0.0.0.0", "dev.example.internal"])
def test_addresses_and_host_names_are_accepted(env: pytest.MonkeyPatch, host: str) -> None:
    env.setenv("DEV_FRONTEND_HOST", host)
    assert load_settings().dev_frontend_host == host


@pytest.mark.parametrize("host", ["", "0.0.0.0 --open", '127.0.0.1"});', "a;b", "x" * 300])
def test_anything_else_is_refused_by_name(env: pytest.MonkeyPatch, host: str) -> None:
    env.setenv("DEV_FRONTEND_HOST", host)
    with pytest.raises(ConfigError, match="DEV_FRONTEND_HOST"):
        load_settings()


def test_loopback_is_the_default(env: pytest.MonkeyPatch) -> None:
    env.delenv("DEV_FRONTEND_HOST", raising=False)
    assert load_settings().dev_frontend_host == "127.0.0.1"
