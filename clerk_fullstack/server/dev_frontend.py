"""Where `reflex run`'s dev frontend server listens: loopback unless `DEV_FRONTEND_HOST` says not.

Reflex starts the dev server as `react-router dev --host`, which listens on every interface, and
`reflex run` has no flag to change that. Vite runs each plugin's `config` hook after it has
merged the command line into the config, so a small Vite plugin that sets `server.host` wins
over `--host`. This Reflex plugin adds it to the `vite.config.js` Reflex writes on each compile.
It applies to the dev server only (`apply: "serve"`); builds and `vite preview` are untouched.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

VITE_CONFIG = "vite.config.js"
PLUGINS_ANCHOR = "plugins: ["


def bind_dev_server(vite_config: str, host: str) -> str:
    """`vite.config.js` with a Vite plugin that makes the dev server listen on `host` only."""
    if PLUGINS_ANCHOR not in vite_config:
        raise ValueError(f"Reflex's {VITE_CONFIG} has no '{PLUGINS_ANCHOR}' to add to")
    plugin = (
        '{ name: "clerk-fullstack-dev-host", apply: "serve", '
        f"config: () => ({{ server: {{ host: {json.dumps(host)} }} }}) }},"
    )
    return vite_config.replace(PLUGINS_ANCHOR, f"{PLUGINS_ANCHOR}\n    {plugin}", 1)


class DevFrontendHost(rx.plugins.Plugin):
    """Bind the dev frontend server to one host (`DEV_FRONTEND_HOST`, loopback by default)."""

    def __init__(self, host: str) -> None:
        self.host = host

    def pre_compile(self, **context: Any) -> None:
        """Rewrite the `vite.config.js` Reflex is about to write."""
        context["add_modify_task"](VITE_CONFIG, lambda text: bind_dev_server(text, self.host))
