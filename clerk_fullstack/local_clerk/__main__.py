"""`python -m clerk_fullstack.local_clerk`: the Clerk emulator on its own, for any Clerk app.

It prints the keys and URLs to give the app, then serves Clerk's Frontend API, its Backend API
and Clerk's scripts on one loopback port until stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from clerk_fullstack.core.local_instance import emulator_config
from clerk_fullstack.core.origins import is_loopback_host
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.instance import TEST_CODE, LocalClerk
from clerk_fullstack.local_clerk.outbox import Outbox
from clerk_fullstack.local_clerk.requests import loopback_origins
from clerk_fullstack.local_clerk.server import build_emulator, emulator_lifespan
from clerk_fullstack.local_clerk.signing_key import load_signing_key
from clerk_fullstack.local_clerk.store import UserStore

DEFAULT_PORT = 4010
CLERK_JS_PATH = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
CLERK_UI_PATH = "/npm/@clerk/ui@1/dist/ui.browser.js"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m clerk_fullstack.local_clerk",
        description="A local Clerk emulator that Clerk's own browser SDK runs against, offline.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".data/clerk-emulator"),
        help="where users, sessions, keys and pending webhooks are kept",
    )
    parser.add_argument(
        "--webhook-url",
        help="where to POST Svix-signed user.created/updated/deleted webhooks (none if unset)",
    )
    parser.add_argument(
        "--webhook-secret", help="sign webhooks with this whsec_ secret instead of a generated one"
    )
    parser.add_argument(
        "--frontend",
        default="http://localhost:3000",
        help="the `azp` of tokens asked for without an Origin header",
    )
    parser.add_argument(
        "--name", default="Local Clerk", help="the application name Clerk's UI shows"
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[Starlette, list[str]]:
    """The served app and the lines that tell another app how to use it."""
    base = f"http://{args.host if ':' not in args.host else f'[{args.host}]'}:{args.port}"
    folder: Path = args.data_dir
    config = emulator_config(folder, base, args.webhook_secret)
    clerk = LocalClerk(
        store=UserStore(folder),
        signing_key=load_signing_key(folder),
        issuer=config.issuer,
        secret_key=config.secret_key,
        webhooks=WebhookSender(
            args.webhook_url or "", config.webhook_secret, outbox=Outbox(folder / "outbox")
        )
        if args.webhook_url
        else None,
        default_party=args.frontend.rstrip("/"),
        application_name=args.name,
    )
    emulator = build_emulator(clerk, loopback_origins, cors=True)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with emulator_lifespan(emulator):
            yield

    app = Starlette(routes=[Mount("", app=emulator)], lifespan=lifespan)
    lines = [
        f"Local Clerk emulator: {base} (data in {folder})",
        "Give your Clerk app these settings:",
        f"  CLERK_PUBLISHABLE_KEY={config.publishable_key}",
        f"  CLERK_SECRET_KEY={config.secret_key}",
        f"  CLERK_WEBHOOK_SECRET={config.webhook_secret}",
        f"  CLERK_API_URL={base}",
        f"  CLERK_PROXY_URL={base}",
        f"  CLERK_JS_URL={base}{CLERK_JS_PATH}",
        f"  CLERK_UI_URL={base}{CLERK_UI_PATH}",
        f"Webhooks: {args.webhook_url or 'not sent (pass --webhook-url)'}",
        f"Email verification codes are never sent: the code is always {TEST_CODE}.",
    ]
    return app, lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the settings, then serve until interrupted."""
    args = parse_args(argv)
    if not is_loopback_host(args.host):
        print(
            f"Refusing to bind {args.host}: the emulator signs anyone in and is for this "
            "machine only (use 127.0.0.1, localhost or ::1)",
            file=sys.stderr,
        )
        return 2
    app, lines = build(args)
    print("\n".join(lines), flush=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    )
    try:
        asyncio.run(server.serve())
    except KeyboardInterrupt:  # Ctrl-C: stopped as asked, no traceback
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
