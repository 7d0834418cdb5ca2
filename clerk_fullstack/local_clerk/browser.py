"""The stand-in's browser modules: the `.js` and `.jsx` files beside this one, as Reflex assets.

`rx.asset(..., shared=True)` links each file into `assets/external/<this module's path>/`,
which Reflex copies into `.web/public/`. Every file is linked, not just the entry module, so
their relative imports of one another resolve in the copy, in dev and prod builds alike.
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx

ENTRY_MODULE = "index.js"
BROWSER_MODULES = tuple(
    sorted(path.name for path in Path(__file__).parent.iterdir() if path.suffix in {".js", ".jsx"})
)

_importable: dict[str, str] = {}
for _name in BROWSER_MODULES:
    # Called here, at module level: rx.asset files the asset under its caller's module path.
    _importable[_name] = rx.asset(_name, shared=True).importable_path

STAND_IN_MODULE: str = _importable[ENTRY_MODULE]
"""What Clerk wrappers import from in local mode: `$/public/external/.../index.js`."""
