"""`python -m clerk_fullstack.local_clerk`: the emulator on its own, for any Clerk app.

It runs as a developer runs it, in its own process: the printed settings are all another app
needs to sign users up, verify their tokens, list them and receive their webhooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

from clerk_fullstack.auth.key_sources import JWKSKeySource
from clerk_fullstack.auth.session import SessionVerifier
from clerk_fullstack.core.local_instance import new_webhook_secret
from clerk_fullstack.core.settings import decode_publishable_key
from clerk_fullstack.local_clerk.__main__ import build, parse_args
from tests.helpers import http_client
from tests.helpers.clerk_frontend import FrontendAPI
from tests.helpers.emulator_process import printed_settings
from tests.helpers.environment import app_environment
from tests.helpers.local_clerk import serve_http
from tests.helpers.ports import free_port
from tests.helpers.processes import run_python
from tests.helpers.project import ROOT
from tests.helpers.tokens import TEST_FRONTEND

MODULE = ["-m", "clerk_fullstack.local_clerk"]
LAST_LINE = "Email verification codes are never sent"
START_SECONDS = 60.0


@dataclass
class Running:
    """The emulator's process and what it printed."""

    process: asyncio.subprocess.Process
    base: str
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class WebhookReceiver:
    """Another app's webhook endpoint: keeps each delivery's headers and body."""

    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: Request) -> Response:
        self.deliveries.append((dict(request.headers), await request.body()))
        self.arrived.set()
        return Response(status_code=204)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks/clerk", self.receive, methods=["POST"])])


async def answers(url: str) -> bool:
    """Whether the emulator answers yet."""
    try:
        async with http_client.async_client(timeout=2) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.asynccontextmanager
async def emulator_process(*args: str) -> AsyncIterator[Running]:
    """Start the command; yield once it printed its settings and answers; stop it after."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *MODULE,
        "--port",
        str(port),
        *args,
        cwd=ROOT,
        env=app_environment({}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    running = Running(process, f"http://127.0.0.1:{port}")
    try:
        assert process.stdout is not None
        async with asyncio.timeout(START_SECONDS):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "the emulator exited before printing its settings"
                running.settings.update(printed_settings(line))
                if line.startswith(LAST_LINE):
                    break
            while not await answers(f"{running.base}/v1/environment"):
                assert process.returncode is None, "the emulator exited"
                await asyncio.sleep(0.05)
        yield running
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=15)


@pytest.mark.integration
@pytest.mark.slow
async def test_another_app_signs_users_up_and_gets_their_webhooks(tmp_path: Path) -> None:
    receiver = WebhookReceiver()
    async with (
        serve_http(receiver.app) as receiver_url,
        emulator_process(
            "--data-dir", str(tmp_path), "--webhook-url", f"{receiver_url}/hooks/clerk"
        ) as emulator,
    ):
        settings, base = emulator.settings, emulator.base
        host = decode_publishable_key(settings["CLERK_PUBLISHABLE_KEY"])
        assert host.endswith(".clerk.accounts.dev")  # a development instance: dev browsers
        assert settings["CLERK_API_URL"] == settings["CLERK_PROXY_URL"] == base
        assert settings["CLERK_JS_URL"] == f"{base}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
        assert settings["CLERK_SECRET_KEY"].startswith("sk_test_")
        assert settings["CLERK_WEBHOOK_SECRET"].startswith("whsec_")

        async with FrontendAPI(base) as browser:
            body = await browser.sign_up("ada@example.org", "correct horse battery", "Ada")
            user_id = body["response"]["created_user_id"]
            token = await browser.token()

        # Verified as any Clerk backend verifies it: the instance's issuer, its JWKS.
        verifier = SessionVerifier(
            JWKSKeySource(f"{base}/v1/jwks", settings["CLERK_SECRET_KEY"]),
            issuer=f"https://{host}",
            authorized_parties=[TEST_FRONTEND],
        )
        claims = await verifier.verify(token)
        assert (claims.sub, claims.azp) == (user_id, TEST_FRONTEND)

        async with http_client.async_client(base_url=base) as client:
            secret = {"authorization": f"Bearer {settings['CLERK_SECRET_KEY']}"}
            users = (await client.get("/v1/users", headers=secret)).json()
            assert [(u["id"], u["first_name"]) for u in users] == [(user_id, "Ada")]
            assert (await client.get("/v1/users")).status_code == 401

        await asyncio.wait_for(receiver.arrived.wait(), timeout=30)
    [(headers, payload)] = receiver.deliveries
    Webhook(settings["CLERK_WEBHOOK_SECRET"]).verify(payload, headers)  # raises if forged
    with pytest.raises(WebhookVerificationError):
        Webhook(new_webhook_secret()).verify(payload, headers)
    event = json.loads(payload)
    assert (event["type"], event["data"]["id"]) == ("user.created", user_id)


@pytest.mark.integration
@pytest.mark.slow
async def test_without_a_webhook_url_no_webhooks_are_sent(tmp_path: Path) -> None:
    async with emulator_process("--data-dir", str(tmp_path)) as emulator:
        async with FrontendAPI(emulator.base) as browser:
            body = await browser.sign_up("ada@example.org", "correct horse battery")
        assert body["response"]["status"] == "complete"
    assert not (tmp_path / "outbox").exists()


@pytest.mark.integration
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_it_refuses_to_listen_beyond_this_machine(tmp_path: Path, host: str) -> None:
    args = ["--host", host, "--port", str(free_port()), "--data-dir", str(tmp_path)]
    result = run_python([*MODULE, *args], timeout=60)
    assert result.returncode == 2
    assert f"Refusing to bind {host}" in result.stderr
    assert result.stdout == ""
    assert not tmp_path.joinpath("secret_key").exists()


@pytest.mark.unit
def test_the_printed_keys_are_kept_in_the_data_folder(tmp_path: Path) -> None:
    args = ["--port", "4999", "--data-dir", str(tmp_path / "a")]
    _, first = build(parse_args(args))
    _, again = build(parse_args(args))
    _, other = build(parse_args(["--port", "4999", "--data-dir", str(tmp_path / "b")]))
    secret_lines = [line for line in first if "SECRET" in line]
    assert len(secret_lines) == 2
    assert first == again
    assert not set(secret_lines) & set(other)
    assert "  CLERK_API_URL=http://127.0.0.1:4999" in first


@pytest.mark.unit
def test_a_given_webhook_secret_is_used(tmp_path: Path) -> None:
    secret = "whsec_" + "A" * 32
    _, lines = build(parse_args(["--data-dir", str(tmp_path), "--webhook-secret", secret]))
    assert f"  CLERK_WEBHOOK_SECRET={secret}" in lines


@pytest.mark.integration
@pytest.mark.slow
async def test_ctrl_c_stops_it_without_a_traceback(tmp_path: Path) -> None:
    async with emulator_process("--data-dir", str(tmp_path)) as running:
        running.process.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            await running.process.wait()
        assert running.process.stderr is not None
        errors = (await running.process.stderr.read()).decode()
    assert running.process.returncode == 130
    assert "Traceback" not in errors
    assert "KeyboardInterrupt" not in errors
