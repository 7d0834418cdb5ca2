"""The one way tests build a child process's environment: no inherited app settings, venv Node.

What a child must not inherit is derived, not listed by hand: every variable `Settings` reads
(so a new setting can never leak into a child), every variable Reflex declares, and the
servers' own. A test passes what its child should see as `settings`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import AliasChoices
from reflex.environment import EnvironmentVariables, EnvVar

from clerk_fullstack.core.settings import Settings

SERVER_PREFIXES = ("REFLEX_", "__REFLEX_", "GUNICORN_", "GRANIAN_", "UVICORN_")
"""Reflex's own variables (its `rx.Config` fields are read as `REFLEX_<FIELD>`) and those of
the servers it starts (gunicorn, granian, uvicorn)."""
MACHINE_VARIABLES = frozenset({"NPM_CONFIG_REGISTRY", "SSL_NO_VERIFY"})
"""Reflex reads these, but they describe this machine's network, which a child shares."""


def setting_variables() -> frozenset[str]:
    """The environment variables `Settings` reads (it reads them case-insensitively)."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
        else:
            names.add(name)
    return frozenset(name.upper() for name in names)


def reflex_variables() -> frozenset[str]:
    """The environment variables Reflex declares (`reflex.environment`), internal ones too."""
    declared = (getattr(EnvironmentVariables, name) for name in vars(EnvironmentVariables))
    names = {variable.name for variable in declared if isinstance(variable, EnvVar)}
    return frozenset(names - MACHINE_VARIABLES)


NOT_INHERITED = (
    setting_variables()
    | reflex_variables()
    | {
        "FORWARDED_ALLOW_IPS",  # gunicorn's and uvicorn's: which peers' forwarding headers to trust
        "PYTEST_CURRENT_TEST",  # Reflex treats a process that has it as a test, not a server
    }
)
"""Variables this test process may carry that a child app must not inherit by accident."""


def inherited(name: str) -> bool:
    """Whether a child may inherit the variable `name` from this process."""
    upper = name.upper()
    return upper not in NOT_INHERITED and not upper.startswith(SERVER_PREFIXES)


def without_app_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without any variable that configures the app, Reflex or its servers."""
    return {name: value for name, value in environ.items() if inherited(name)}


def app_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment minus every app setting, plus `settings` and the venv's Node.

    Node comes from the venv (Reflex needs Node >= 22.22) and npm replaces bun.
    """
    env = without_app_settings(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env.update(PATH=f"{bin_dir}:{env.get('PATH', '')}", REFLEX_USE_NPM="1")
    env.update(settings)
    return env
