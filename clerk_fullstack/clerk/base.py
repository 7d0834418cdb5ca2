"""The base class of every Clerk wrapper: imports its tag from `clerk_library()`."""

from __future__ import annotations

from typing import Any, Self

import reflex as rx
from reflex_base.components.component import MemoizationLeaf

from clerk_fullstack.clerk.library import clerk_library


class ClerkComponent(rx.Component):
    """A component exported by Clerk's React SDK (or the local stand-in)."""

    @classmethod
    def create(cls, *children: Any, **props: Any) -> Self:
        """Create the component, importing it from the library chosen at creation time."""
        props.setdefault("library", clerk_library())
        return super().create(*children, **props)


class ClerkButton(ClerkComponent, MemoizationLeaf):
    """A Clerk button: it clones its one child to add `onClick`, so the child is never memoized."""
