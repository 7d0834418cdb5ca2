"""What the app does once at start, and the one way to undo it (for tests).

`start()` reads and validates the settings, creates the tabs' private state folder, then
resolves the Clerk instance, which in local mode creates the emulator's secrets. Both are cached
for the life of the process, as is the token verifier built from them; `reset_caches()` forgets
all of them.
"""

from __future__ import annotations

from clerk_fullstack.auth.session import get_verifier
from clerk_fullstack.core.clerk_instance import ClerkInstance, get_clerk_instance
from clerk_fullstack.core.settings import ConfigError, get_settings
from clerk_fullstack.server.state_dir import create_states_dir


def start() -> ClerkInstance:
    """Validate the settings, create the private state folder (unless only building files),
    then resolve Clerk; a bad setting exits with its message only.

    `SystemExit` rather than `ConfigError`: every `reflex` command (run, export, the backend
    worker) then prints the one message naming the variable, not a traceback.
    """
    try:
        settings = get_settings()
        if not settings.is_export:
            create_states_dir(settings)
    except ConfigError as exc:
        raise SystemExit(str(exc)) from None
    return get_clerk_instance()


def reset_caches() -> None:
    """Forget the settings and everything built from them, after the environment changed."""
    get_settings.cache_clear()
    get_clerk_instance.cache_clear()
    get_verifier.cache_clear()
