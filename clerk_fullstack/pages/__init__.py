"""One module per page; each exposes its page function and TITLE."""

from clerk_fullstack.pages import favorite_color, home, sign_in, sign_up

__all__ = ["favorite_color", "home", "sign_in", "sign_up"]
