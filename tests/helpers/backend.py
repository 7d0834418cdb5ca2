"""The names `tests/state` imports from before the toolkit became one: see `app_process`.

`Backend` is `AppProcess` itself, under its old name; nothing else should import from here.
"""

from __future__ import annotations

from tests.helpers.app_process import AppProcess as Backend
from tests.helpers.app_process import prod_backend
from tests.helpers.project import ROOT

__all__ = ["ROOT", "Backend", "prod_backend"]
