"""The app module: wires settings, routes, the database lifespan and the pages together."""

import reflex as rx

from clerk_fullstack import db
from clerk_fullstack.api import build_api
from clerk_fullstack.settings import get_settings

get_settings()  # Fail at start, with a message naming the variable, on a malformed setting.


def index() -> rx.Component:
    """Placeholder home page until the UI lands."""
    return rx.text("clerk_fullstack")


app = rx.App(api_transformer=build_api())
app.register_lifespan_task(db.lifespan)
app.add_page(index, route="/")
