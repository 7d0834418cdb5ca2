"""The backend as outside tooling drives it: env vars only, prod mode, real HTTP, real database."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.mongo import ChildServer
from tests.helpers.payloads import user_created, user_deleted, user_updated
from tests.helpers.raw_clients import StalledBody
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token
from tests.helpers.webhooks import deliver, signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def get_color(backend: AppProcess, token: str, **headers: str) -> httpx.Response:
    return http_client.get(
        f"{backend.url}/user/favoriteColor",
        headers={"Authorization": f"Bearer {token}", **headers},
        timeout=10,
    )


def test_full_flow_over_http(backend: AppProcess, signing_key: SigningKey) -> None:
    token = mint_token(signing_key, sub="user_proc_1")
    assert get_color(backend, token).status_code == 404
    assert deliver(backend.url, user_created("user_proc_1", updated_at=1)).status_code == 200
    first = get_color(backend, token)
    assert first.status_code == 200
    assert first.json()["payload"] in {"RED", "GREEN", "BLUE"}
    assert deliver(backend.url, user_updated("user_proc_1", updated_at=2)).status_code == 200
    assert get_color(backend, token).json()["payload"] == first.json()["payload"]
    assert deliver(backend.url, user_deleted("user_proc_1")).status_code == 200
    assert get_color(backend, token).status_code == 404


def test_expired_token_is_401_with_reason(backend: AppProcess, signing_key: SigningKey) -> None:
    response = get_color(backend, mint_token(signing_key, lifetime=-60))
    assert response.status_code == 401
    assert response.json()["reason"] == "token-expired"


def test_cors_grants_only_the_frontend(backend: AppProcess) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{backend.url}/user/favoriteColor",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )

    allowed = preflight(TEST_FRONTEND)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == TEST_FRONTEND
    assert allowed.headers["access-control-allow-credentials"] == "true"
    denied = preflight("https://evil.example")
    assert "access-control-allow-origin" not in denied.headers
    simple = http_client.get(
        f"{backend.url}/api/health", headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in simple.headers


def test_another_method_is_a_json_405_and_a_preflight_still_passes(backend: AppProcess) -> None:
    """In the real stack too: the preflight (above) is the CORS middleware's, a plain `OPTIONS`
    or any other method the routes' 405."""
    for method, path, allowed in (
        ("POST", "/user/favoriteColor", "GET, HEAD"),
        ("OPTIONS", "/user/favoriteColor", "GET, HEAD"),
        ("GET", "/webhooks", "POST"),
    ):
        response = http_client.request(method, f"{backend.url}{path}", timeout=10)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed
        assert response.json()["reason"] == "method-not-allowed"
    assert http_client.get(f"{backend.url}/nowhere", timeout=10).status_code == 404


def test_database_down_means_503_then_success(
    backend: AppProcess, child_database: ChildServer
) -> None:
    child_database.stop()
    try:
        down = deliver(backend.url, user_created("user_outage"), msg_id="msg_outage")
        assert down.status_code == 503
        assert down.json() == {
            "success": False,
            "message": "Database unavailable, try again later.",  # never the driver's error
            "reason": "database-unavailable",
        }
        assert http_client.get(f"{backend.url}/api/health").status_code == 503
    finally:
        child_database.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # Svix retries; the same delivery now lands
        retry = deliver(backend.url, user_created("user_outage"), msg_id="msg_outage")
        if retry.status_code == 200:
            break
        time.sleep(0.5)
    assert retry.status_code == 200
    assert http_client.get(f"{backend.url}/api/health").json()["database"] is True


def test_the_real_backend_answers_a_stalled_body_with_408_and_closes(backend: AppProcess) -> None:
    """The read deadline holds behind Reflex's own server, not only the bare sub-app."""
    _, headers = signed_webhook(b"{}")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(("127.0.0.1", backend.port), timeout=60) as sock:
        sock.sendall(
            f"POST /webhooks HTTP/1.1\r\nHost: test\r\n{head}Content-Length: 65536\r\n\r\n".encode()
            + b"{" * 1000
        )
        received = b""
        while chunk := sock.recv(65536):  # until the server closes the connection
            received += chunk
    assert received.startswith(b"HTTP/1.1 408")
    assert b'"reason":"body-timeout"' in received


async def test_stalled_bodies_do_not_keep_a_signed_delivery_out(
    backend: AppProcess, signing_key: SigningKey
) -> None:
    """200 stalled bodies with genuine-looking headers (the old cap was 64 bodies), then 20 of
    900 kB each (18 MB, over the 8 MiB budget): a signed delivery is stored with a 200 both
    times; the oldest large ones are pushed out with 503 `server-busy`."""
    small = [await StalledBody.open(backend.url) for _ in range(200)]
    large: list[StalledBody] = []
    try:
        assert deliver(backend.url, user_created("user_stalled_1")).status_code == 200
        large = [
            await StalledBody.open(backend.url, sent=900_000, declared=1_000_000) for _ in range(20)
        ]
        assert deliver(backend.url, user_created("user_stalled_2")).status_code == 200
        status, answer = await large[0].answer()
        assert (status, b'"reason":"server-busy"' in answer) == (503, True)
    finally:
        for slow in small + large:
            slow.close()
    for user in ("user_stalled_1", "user_stalled_2"):
        assert get_color(backend, mint_token(signing_key, sub=user)).status_code == 200


def test_the_real_backend_rejects_a_malformed_signature_with_400(backend: AppProcess) -> None:
    body, headers = signed_webhook(user_created("user_proc_bad"))
    response = http_client.post(
        f"{backend.url}/webhooks",
        content=body,
        headers={**headers, "svix-signature": "garbage"},
        timeout=10,
    )
    assert (response.status_code, response.json()["reason"]) == (400, "invalid-signature")
