"""A square filled with a color, so the color is seen as well as named."""

from __future__ import annotations

from typing import Any

import reflex as rx


def color_swatch(color: rx.Var[str] | str, **props: Any) -> rx.Component:
    """A swatch of `color` (a CSS color name such as `red`)."""
    return rx.box(
        width="4em",
        height="4em",
        border_radius="var(--radius-3)",
        border="1px solid var(--gray-a7)",
        background_color=color,
        role="img",
        aria_label=color,
        **props,
    )
