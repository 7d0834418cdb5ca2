"""The app module: wires settings, routes, the database lifespan, Clerk and the pages together."""

from collections.abc import Callable

import reflex as rx
from starlette.types import ASGIApp

from clerk_fullstack.api.app import build_api
from clerk_fullstack.api.direct import DirectColorRoute
from clerk_fullstack.clerk.provider import clerk_provider
from clerk_fullstack.core import db, routes, safe_logs
from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.origins import DevOriginGuard
from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.pages import favorite_color, home, sign_in, sign_up
from clerk_fullstack.server.exception_handlers import log_backend_exception, log_frontend_exception
from clerk_fullstack.server.socket_headers import DropSocketCredentials
from clerk_fullstack.server.startup import start
from clerk_fullstack.state.socket_binding import ForgetOtherSocket
from clerk_fullstack.users.models import DOCUMENT_MODELS

# Before anything is served: no log record can be flooded or forged by a client (safe_logs.py).
safe_logs.install()
# Fail at start, with a message naming the variable, on a malformed setting; then resolve the
# Clerk instance (in local mode this creates the emulator's secrets on first run).
start()

# App wraps nest by priority, highest outermost: Reflex's error boundary (55) stays outside
# Clerk, so a provider that fails to render shows Reflex's error page, not a blank one.
CLERK_WRAP = (50, "ClerkProvider")


def clerk_wrap(_stateful: bool) -> rx.Component:
    """ClerkProvider around the whole app."""
    return clerk_provider(
        sign_in_url=routes.SIGN_IN,
        sign_up_url=routes.SIGN_UP,
        after_sign_out_url=routes.HOME,
    )


class App(rx.App):
    """Reflex's app, with an API client's color request answered in front of its ASGI stack."""

    def __call__(self) -> ASGIApp:
        """The backend: Reflex's, behind `DirectColorRoute` (see `api/direct.py`)."""
        return DirectColorRoute(super().__call__())


api = build_api()
# Reflex applies these in order, each around what came before; the guard goes outermost (only
# `DirectColorRoute` is in front of it, and it takes no request with an Origin).
transformers: list[Callable[[ASGIApp], ASGIApp]] = [api, DropSocketCredentials]
if get_settings().is_dev:
    transformers.append(DevOriginGuard)
app = App(
    api_transformer=transformers,
    extra_app_wraps={CLERK_WRAP: clerk_wrap},
    frontend_exception_handler=log_frontend_exception,
    backend_exception_handler=log_backend_exception,
)
app.add_middleware(ForgetOtherSocket())
app.register_lifespan_task(db.lifespan, models=DOCUMENT_MODELS)
if get_clerk_instance().local:
    # Local mode: the Clerk emulator runs in this backend (imported here, so that Clerk mode
    # never loads it). This is the only place the product wires the emulator in.
    from clerk_fullstack.local_clerk.in_app import serve_in

    serve_in(app, api.routes)
app.add_page(home.home, route=routes.HOME, title=home.TITLE)
app.add_page(sign_in.sign_in_page, route=routes.SIGN_IN_PAGE, title=sign_in.TITLE)
app.add_page(sign_up.sign_up_page, route=routes.SIGN_UP_PAGE, title=sign_up.TITLE)
app.add_page(
    favorite_color.favorite_color_page, route=routes.FAVORITE_COLOR, title=favorite_color.TITLE
)
