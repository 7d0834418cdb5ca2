"""Small widgets shared by pages: the layout, nav bar, Clerk status banners and color swatch."""

from clerk_fullstack.components import routes
from clerk_fullstack.components.clerk_status import (
    CLERK_FAILED_MESSAGE,
    clerk_degraded_banner,
    clerk_failed_banner,
)
from clerk_fullstack.components.color_swatch import color_swatch
from clerk_fullstack.components.connection import backend_unreachable
from clerk_fullstack.components.layout import layout
from clerk_fullstack.components.navbar import navbar

__all__ = [
    "CLERK_FAILED_MESSAGE",
    "backend_unreachable",
    "clerk_degraded_banner",
    "clerk_failed_banner",
    "color_swatch",
    "layout",
    "navbar",
    "routes",
]
