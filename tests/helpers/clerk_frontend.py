"""A Frontend API client that talks to the local Clerk emulator exactly as clerk-js does.

One development browser per instance: `dev_browser()` makes it, and every later call carries its
id as `__clerk_db_jwt`. Bodies are form-encoded, PATCH and DELETE go as POST with `_method=`, and
every call sends the page's `Origin`. The flows (`sign_up`, `sign_in_password`, …) make the same
calls, in the same order, as Clerk's UI components.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from tests.helpers import http_client
from tests.helpers.tokens import TEST_FRONTEND

TEST_CODE = "424242"
"""The email code the emulator always accepts."""
API_VERSION = "2026-08-20"
JS_VERSION = "6.40.0"


class FrontendError(Exception):
    """A Frontend API call answered 4xx/5xx; the first of Clerk's `errors`, unpacked."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        first: dict[str, Any] = errors[0] if isinstance(errors, list) and errors else {}
        self.code: str | None = first.get("code")
        self.message: str | None = first.get("message")
        meta = first.get("meta")
        self.param_name: str | None = meta.get("param_name") if isinstance(meta, dict) else None
        request = response.request
        super().__init__(
            f"{request.method} {request.url.path} → {response.status_code}: {response.text[:500]}"
        )


def checked(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a 2xx answer, or `FrontendError`."""
    if not response.is_success:
        raise FrontendError(response)
    body: dict[str, Any] = response.json()
    return body


class FrontendAPI:
    """One browser on the emulator's Frontend API at `base_url` (the proxy URL, without `/v1`)."""

    def __init__(
        self,
        base_url: str,
        *,
        origin: str | None = TEST_FRONTEND,
        http: httpx.AsyncClient | None = None,
        user_agent: str = "clerk-frontend-test",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = origin
        self.user_agent = user_agent
        self._owns_http = http is None
        self.http = http or http_client.async_client(timeout=30)
        self.browser_id: str | None = None
        """The development browser id (`dvb_…`), once `dev_browser()` was called."""
        self.client: dict[str, Any] | None = None
        """The client object of the last answer that carried one (as clerk-js keeps it)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client, if this browser made it."""
        if self._owns_http:
            await self.http.aclose()

    # -- raw calls -------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        form: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        browser: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call as clerk-js makes it: `path` from the base (`/v1/client`); PATCH/DELETE as
        POST with `_method`; `__clerk_db_jwt` when there is a browser and `browser` is true."""
        query: dict[str, str] = {
            "__clerk_api_version": API_VERSION,
            "_clerk_js_version": JS_VERSION,
        }
        method = method.upper()
        if method in ("PATCH", "PUT", "DELETE"):
            query["_method"] = method
            method = "POST"
        if browser and self.browser_id is not None:
            query["__clerk_db_jwt"] = self.browser_id
        query.update(params or {})
        sent = {"user-agent": self.user_agent, **(headers or {})}
        if self.origin is not None:
            sent.setdefault("origin", self.origin)
        if method == "GET":
            return await self.http.get(f"{self.base_url}{path}", params=query, headers=sent)
        return await self.http.request(
            method,
            f"{self.base_url}{path}",
            params=query,
            headers={"content-type": "application/x-www-form-urlencoded", **sent},
            content=urlencode(dict(form or {})).encode(),
        )

    async def resource(
        self, method: str, path: str, form: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """A resource call: checks the status, keeps the client, returns `{response, client}`."""
        body = checked(await self.call(method, path, form))
        if method.upper() != "GET" and "client" in body:
            self.client = body["client"]
        return body

    # -- the handshake and the client ------------------------------------------------------

    async def dev_browser(self) -> str:
        """`POST /v1/dev_browser`: become a new development browser; its id is kept."""
        body = checked(await self.call("POST", "/v1/dev_browser", browser=False))
        assert body["object"] == "dev_browser", body
        browser_id: str = body["id"]
        self.browser_id = browser_id
        return browser_id

    async def environment(self) -> dict[str, Any]:
        """`PATCH /v1/environment`, as a development instance loads it."""
        return checked(await self.call("PATCH", "/v1/environment"))

    async def get_client(self) -> dict[str, Any]:
        """`GET /v1/client`: the browser's client (kept as `client`)."""
        body = checked(await self.call("GET", "/v1/client"))
        client: dict[str, Any] = body["response"]
        self.client = client
        return client

    @property
    def session_id(self) -> str | None:
        """The browser's active session, as the last client seen says."""
        return self.client.get("last_active_session_id") if self.client else None

    @property
    def user_id(self) -> str | None:
        """The active session's user, as the last client seen says."""
        for session in (self.client or {}).get("sessions", []):
            if session["id"] == self.session_id:
                user_id: str = session["user"]["id"]
                return user_id
        return None

    async def _ensure_browser(self) -> None:
        if self.browser_id is None:
            await self.dev_browser()

    # -- flows -----------------------------------------------------------------------------

    async def sign_up(
        self,
        email: str,
        password: str,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        code: str = TEST_CODE,
    ) -> dict[str, Any]:
        """Create, prepare and attempt a sign-up; the final `{response, client}`."""
        await self._ensure_browser()
        form = {"email_address": email, "password": password}
        if first_name is not None:
            form["first_name"] = first_name
        if last_name is not None:
            form["last_name"] = last_name
        created = await self.resource("POST", "/v1/client/sign_ups", form)
        sign_up_id = created["response"]["id"]
        path = f"/v1/client/sign_ups/{sign_up_id}"
        await self.resource("POST", f"{path}/prepare_verification", {"strategy": "email_code"})
        return await self.resource(
            "POST", f"{path}/attempt_verification", {"strategy": "email_code", "code": code}
        )

    async def start_sign_in(self, email: str) -> dict[str, Any]:
        """`POST /v1/client/sign_ins` with the identifier: the sign-in, waiting for a factor."""
        await self._ensure_browser()
        body = await self.resource("POST", "/v1/client/sign_ins", {"identifier": email})
        sign_in: dict[str, Any] = body["response"]
        return sign_in

    async def sign_in_password(self, email: str, password: str) -> dict[str, Any]:
        """Identify, then `attempt_first_factor` with the password; the final answer."""
        sign_in = await self.start_sign_in(email)
        return await self.resource(
            "POST",
            f"/v1/client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "password", "password": password},
        )

    async def sign_in_code(self, email: str, code: str = TEST_CODE) -> dict[str, Any]:
        """Identify, prepare an email code, attempt it; the final answer."""
        sign_in = await self.start_sign_in(email)
        factor = next(
            f for f in sign_in["supported_first_factors"] if f["strategy"] == "email_code"
        )
        path = f"/v1/client/sign_ins/{sign_in['id']}"
        await self.resource(
            "POST",
            f"{path}/prepare_first_factor",
            {"strategy": "email_code", "email_address_id": factor["email_address_id"]},
        )
        return await self.resource(
            "POST", f"{path}/attempt_first_factor", {"strategy": "email_code", "code": code}
        )

    async def token(self, session_id: str | None = None) -> str:
        """`POST /v1/client/sessions/{id}/tokens`: a fresh session token (the active session's
        by default)."""
        session_id = session_id or self.session_id
        assert session_id, "no session: sign in first"
        body = checked(await self.call("POST", f"/v1/client/sessions/{session_id}/tokens"))
        assert body["object"] == "token", body
        jwt: str = body["jwt"]
        return jwt

    async def sign_out(self) -> dict[str, Any]:
        """`DELETE /v1/client/sessions`: every session of this browser ends."""
        return await self.resource("DELETE", "/v1/client/sessions")

    async def me(self) -> dict[str, Any]:
        """`GET /v1/me`: the signed-in user."""
        user: dict[str, Any] = (await self.resource("GET", "/v1/me"))["response"]
        return user

    async def rename(self, first_name: str | None, last_name: str | None) -> dict[str, Any]:
        """`PATCH /v1/me` with both names (an empty string clears one); the updated user."""
        form = {"first_name": first_name or "", "last_name": last_name or ""}
        user: dict[str, Any] = (await self.resource("PATCH", "/v1/me", form))["response"]
        return user

    async def change_password(self, current: str, new: str) -> dict[str, Any]:
        """`POST /v1/me/change_password`; the updated user."""
        form = {"current_password": current, "new_password": new}
        body = await self.resource("POST", "/v1/me/change_password", form)
        user: dict[str, Any] = body["response"]
        return user

    async def delete_account(self) -> dict[str, Any]:
        """`DELETE /v1/me`: the account and its sessions are deleted; the deleted-user stub."""
        stub: dict[str, Any] = (await self.resource("DELETE", "/v1/me"))["response"]
        return stub
