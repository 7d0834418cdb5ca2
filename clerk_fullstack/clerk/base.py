"""The base class of every Clerk wrapper: imports its tag from Clerk's pinned `@clerk/react`."""

from __future__ import annotations

import reflex as rx
from reflex_base.components.component import MemoizationLeaf

from clerk_fullstack.core.clerk_sdk import CLERK_REACT


class ClerkComponent(rx.Component):
    """A component exported by Clerk's React SDK, in every mode (local mode included)."""

    library = CLERK_REACT


class ClerkButton(ClerkComponent, MemoizationLeaf):
    """A Clerk button: it clones its one child to add `onClick`, so the child is never memoized."""
