"""A request a proxy relayed never reaches the emulator, whatever peer the server sees.

Behind a proxy the peer is the proxy, and a server told to trust forwarding headers
(`FORWARDED_ALLOW_IPS=*`) rewrites the peer from whatever the client wrote in them. So the
emulator refuses every request carrying `X-Forwarded-For`, `Forwarded` or `X-Real-IP`: in the
app's real dev backend and in the standalone emulator process, on every route.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.emulator_process import emulator_process
from tests.helpers.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PROXY_HEADERS = [
    {"X-Forwarded-For": "127.0.0.1"},
    {"Forwarded": "for=127.0.0.1;proto=http"},
    {"X-Real-IP": "127.0.0.1"},
    {"x-forwarded-for": "203.0.113.9, 127.0.0.1"},
]
PATHS = ["/v1/environment", "/v1/jwks", "/npm/@clerk/clerk-js@6/dist/clerk.browser.js", "/nope"]


@pytest.fixture(scope="module")
def dev_backend(tmp_path_factory: pytest.TempPathFactory, mongo_uri: str) -> Iterator[str]:
    """The app's dev backend in local mode, trusting every peer's forwarding headers."""
    base = tmp_path_factory.mktemp("proxied")
    backend = AppProcess(
        free_port(),
        {
            "CLERK_MODE": "local",
            "DATA_DIR": str(base / "data"),
            "MONGO_URI": mongo_uri,
            "FORWARDED_ALLOW_IPS": "*",
        },
        base / "backend.log",
        mode="dev",
    )
    backend.start()
    try:
        yield f"{backend.url}/local-clerk"
    finally:
        backend.stop()


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m clerk_fullstack.local_clerk`, trusting every peer's forwarding headers."""
    base = tmp_path_factory.mktemp("proxied-standalone")
    with emulator_process(
        free_port(), base / "data", base / "emulator.log", env={"FORWARDED_ALLOW_IPS": "*"}
    ) as emulator:
        yield emulator.base


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["code"] == "loopback_only"
    assert "proxy" in response.json()["errors"][0]["message"]


def assert_every_route_refused(base: str, headers: dict[str, str]) -> None:
    for path in PATHS:
        assert_refused(http_client.get(f"{base}{path}", headers=headers, timeout=10))
    assert_refused(http_client.post(f"{base}/v1/dev_browser", headers=headers, timeout=10))


@pytest.mark.parametrize("headers", PROXY_HEADERS)
def test_the_apps_emulator_refuses_relayed_requests(
    dev_backend: str, headers: dict[str, str]
) -> None:
    assert_every_route_refused(dev_backend, headers)


def test_the_apps_emulator_still_answers_this_machine_directly(dev_backend: str) -> None:
    response = http_client.post(f"{dev_backend}/v1/dev_browser", timeout=10)
    assert response.status_code == 200
    assert response.json()["id"].startswith("dvb_")


@pytest.mark.parametrize("headers", PROXY_HEADERS)
def test_the_standalone_emulator_refuses_relayed_requests(
    standalone: str, headers: dict[str, str]
) -> None:
    assert_every_route_refused(standalone, headers)
    assert http_client.post(f"{standalone}/v1/dev_browser", timeout=10).status_code == 200


def test_nothing_was_recorded_for_relayed_requests(tmp_path: Path) -> None:
    """A refused sign-up through a proxy stores no browser and no user."""
    with emulator_process(free_port(), tmp_path / "data", tmp_path / "emulator.log") as emulator:
        response = http_client.post(
            f"{emulator.base}/v1/client/sign_ups",
            data={"email_address": "ada@example.org", "password": "correct horse battery"},
            headers={"X-Forwarded-For": "198.51.100.7"},
            timeout=10,
        )
    assert_refused(response)
    assert not (tmp_path / "data" / "users.json").exists() or (
        "ada@example.org" not in (tmp_path / "data" / "users.json").read_text()
    )
