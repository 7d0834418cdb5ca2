"""The wings and the one direction of their imports.

    core ← users, webhooks, auth ← api, state, sync ← pages ← the app module

`core/` (settings, errors, the database) imports no other wing; the users service owns every
read and write of users, so `sync/` never touches the models; nothing below `api/` imports it;
only the app module wires the dev-only Clerk emulator in; and there are no cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "clerk_fullstack"

pytestmark = pytest.mark.unit

APP = "clerk_fullstack.clerk_fullstack"
API = "clerk_fullstack.api"
UI = ("clerk_fullstack.state", "clerk_fullstack.pages", "clerk_fullstack.components")
WINGS_ABOVE_CORE = (
    "clerk_fullstack.users",
    "clerk_fullstack.webhooks",
    "clerk_fullstack.auth",
    "clerk_fullstack.server",
    "clerk_fullstack.sync",
    "clerk_fullstack.clerk",
    "clerk_fullstack.local_clerk",
    API,
    *UI,
)

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # the foundation imports no wing above it
    "clerk_fullstack.core": WINGS_ABOVE_CORE,
    # the bottom of the users wing: data shapes only (see `DATA_SHAPES`)
    "clerk_fullstack.users.profile": ("clerk_fullstack.",),
    "clerk_fullstack.core.errors": ("clerk_fullstack.",),
    "clerk_fullstack.core.settings": ("clerk_fullstack.",),
    "clerk_fullstack.core.routes": ("clerk_fullstack.",),
    # pure checks never reach into the service layer
    "clerk_fullstack.webhooks": (
        "clerk_fullstack.users.service",
        "clerk_fullstack.users.store",
        "clerk_fullstack.core.db",
        API,
        *UI,
    ),
    "clerk_fullstack.auth.tokens": (
        "clerk_fullstack.auth.session",
        "clerk_fullstack.core.settings",
    ),
    # services know nothing of HTTP routes, the UI or the commands built on them
    "clerk_fullstack.users": (API, "clerk_fullstack.sync", *UI),
    "clerk_fullstack.users.store": ("clerk_fullstack.users.service",),
    "clerk_fullstack.users.colors": ("clerk_fullstack.users.service",),
    "clerk_fullstack.auth": (API, "clerk_fullstack.sync", *UI),
    # the sync goes through the users service for every read and write
    "clerk_fullstack.sync": ("clerk_fullstack.users.models", API, *UI),
    # routes call services, never the UI
    API: UI,
    # state calls services, never pages or routes
    "clerk_fullstack.state": ("clerk_fullstack.pages", API, "clerk_fullstack.components"),
}
"""Each prefix, and what no module under it may import. Nothing but the app module imports
`api/`: `test_only_the_app_module_imports_the_routes` checks that over every module."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(tree: ast.Module) -> set[str]:
    """Every `clerk_fullstack` module this file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "clerk_fullstack":
                continue
            for alias in node.names:
                # `from package import module` imports the module, not the package's own code
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("clerk_fullstack."))
    return found


TREES = {module_name(p): ast.parse(p.read_text()) for p in PACKAGE.rglob("*.py")}
"""Each module of the package, parsed once."""
MODULES = set(TREES)
GRAPH = {module: imports_of(tree) for module, tree in TREES.items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_points_the_wrong_way(module: str) -> None:
    rules = [
        banned
        for prefix, banned in FORBIDDEN.items()
        if module == prefix or module.startswith(f"{prefix}.")
    ]
    wrong = {
        target
        for target in GRAPH[module]
        for banned in rules
        for prefix in banned
        if target.startswith(prefix)
    }
    assert not wrong, f"{module} imports {sorted(wrong)}"


def test_no_import_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError(
                "import cycle: " + " → ".join((*path[path.index(module) :], module))
            )
        if module in done:
            return
        for target in GRAPH.get(module, ()):
            visit(target, (*path, module))
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, ())


DATA_SHAPES = {"clerk_fullstack.users.models", "clerk_fullstack.users.profile"}


def test_the_data_shapes_import_nothing_but_each_other() -> None:
    for module in DATA_SHAPES:
        assert GRAPH[module] <= DATA_SHAPES, f"{module} imports {sorted(GRAPH[module])}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if not m.startswith(API)))
def test_only_the_app_module_imports_the_routes(module: str) -> None:
    reached = {target for target in GRAPH[module] if target.startswith(API)}
    assert module == APP or not reached, f"{module} imports {sorted(reached)}"


EMULATOR = "clerk_fullstack.local_clerk"
EMULATOR_DOORS = {
    # The app module wires the emulator into the backend, with one call (`serve_in`).
    APP: {"clerk_fullstack.local_clerk.in_app"},
}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if not m.startswith(EMULATOR)))
def test_only_the_app_module_wires_the_emulator_in(module: str) -> None:
    reached = {target for target in GRAPH[module] if target.startswith(EMULATOR)}
    assert reached <= EMULATOR_DOORS.get(module, set()), f"{module} imports {sorted(reached)}"


def test_the_app_module_wires_the_emulator_in_with_one_call() -> None:
    doors = [
        node
        for node in ast.walk(TREES[APP])
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "serve_in"
    ]
    assert len(doors) == 1


def reachable(module: str) -> set[str]:
    """Every `clerk_fullstack` module that importing `module` loads (itself included)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(GRAPH.get(current, ()))
    return seen


SIGNATURES = "clerk_fullstack.webhooks.signatures"


def test_svix_is_loaded_by_the_webhook_checks_alone() -> None:
    """Only `webhooks/signatures.py` (and the emulator, which signs its deliveries) imports
    `svix`, a third of a second to load: the sync command and the missing-user fetch, which read
    Clerk's user objects too, start without it."""
    importers = {
        module
        for module, tree in TREES.items()
        for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "svix")
        or (
            isinstance(node, ast.Import) and any(a.name.split(".")[0] == "svix" for a in node.names)
        )
    }
    assert importers == {SIGNATURES, "clerk_fullstack.local_clerk.delivery"}
    for entry in ("clerk_fullstack.sync.__main__", "clerk_fullstack.users.missing"):
        assert SIGNATURES not in reachable(entry), f"{entry} loads {SIGNATURES}"
