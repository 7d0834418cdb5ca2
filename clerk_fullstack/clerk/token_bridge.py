"""Fresh session tokens for Reflex events: `useAuth().getToken()`, asked for through state.

Reflex captures cookies once per websocket connection, so a handler cannot read a refreshed
`__session` cookie. Instead the server asks the browser for a token right before each protected
action (`ClerkTokenRequest`), and the browser sends it with an event.
"""

from __future__ import annotations

from typing import Any, TypedDict

import reflex as rx
from reflex.event import passthrough_event_spec

from clerk_fullstack.core.clerk_sdk import CLERK_REACT

GET_TOKEN_FUNCTION = "window.__clerkGetToken"  # noqa: S105 - a JS name, not a secret
"""The browser-side function `ClerkTokenBridge` registers."""

TOKEN_TIMEOUT_MS = 10_000
"""How long to wait for Clerk to hand out a token before reporting an error."""

BRIDGE_WAIT_MS = 5_000
"""How long a request waits for the bridge to register (only right after the page loads)."""

_BRIDGE_CODE = f"""
function ClerkTokenBridge() {{
  const {{ getToken }} = useAuth();
  useEffect(() => {{
    const fetchToken = async (options) => {{
      let timer;
      const timeout = new Promise((_, reject) => {{
        timer = setTimeout(
          () => reject(new Error("Timed out waiting for a session token")),
          {TOKEN_TIMEOUT_MS},
        );
      }});
      try {{
        const token = await Promise.race([getToken(options), timeout]);
        return {{ token: token ?? null, error: null }};
      }} catch (error) {{
        return {{ token: null, error: String(error?.message ?? error) }};
      }} finally {{
        clearTimeout(timer);
      }}
    }};
    {GET_TOKEN_FUNCTION} = fetchToken;
    return () => {{
      if ({GET_TOKEN_FUNCTION} === fetchToken) {{
        delete {GET_TOKEN_FUNCTION};
      }}
    }};
  }}, [getToken]);
  return null;
}}
"""


class TokenResult(TypedDict):
    """What the browser sends back: a token (None when signed out), or why there is none."""

    token: str | None
    error: str | None


class ClerkTokenBridge(rx.Component):
    """Renders nothing; registers `window.__clerkGetToken`, which resolves to a `TokenResult`.

    It must sit inside `ClerkProvider`. The function never rejects, so an event waiting for a
    token always gets an answer.
    """

    tag = "ClerkTokenBridge"

    def add_imports(self) -> dict[str, Any]:
        """`useAuth` from Clerk's React SDK, `useEffect` from React."""
        return {
            CLERK_REACT: [rx.ImportVar(tag="useAuth")],
            "react": [rx.ImportVar(tag="useEffect")],
        }

    def add_custom_code(self) -> list[str]:
        """The bridge's React function component."""
        return [_BRIDGE_CODE]


clerk_token_bridge = ClerkTokenBridge.create


def ask_bridge(skip_cache: str) -> str:
    """A JavaScript expression resolving to a `TokenResult`: it waits briefly for the bridge
    to register (right after the page loads), then asks it; `skip_cache` is a JS expression."""
    return (
        "(async () => {"
        f" for (let waited = 0; !{GET_TOKEN_FUNCTION} && waited < {BRIDGE_WAIT_MS};"
        " waited += 100) { await new Promise((resolve) => setTimeout(resolve, 100)); }"
        f" return {GET_TOKEN_FUNCTION} ? {GET_TOKEN_FUNCTION}({{ skipCache: {skip_cache} }})"
        ' : { token: null, error: "Clerk is not available on this page" };'
        " })()"
    )


_REQUEST_CODE = f"""
function ClerkTokenRequest({{ request, skipCache, onToken }}) {{
  // Ids seen at mount were asked before this page: only a new id is answered, once.
  const answered = useRef(request);
  const latest = useRef({{ request, onToken, mounted: false }});
  latest.current = {{ ...latest.current, request, onToken }};
  useEffect(() => {{
    latest.current.mounted = true;
    return () => {{
      latest.current.mounted = false;
    }};
  }}, []);
  useEffect(() => {{
    if (!request || request === answered.current) return;
    answered.current = request;
    {ask_bridge("Boolean(skipCache)")}.then((result) => {{
      // Only the latest request, while the page is shown: the server ignores others anyway.
      if (latest.current.mounted && latest.current.request === request) {{
        latest.current.onToken(result);
      }}
    }});
  }}, [request, skipCache]);
  return null;
}}
"""


class ClerkTokenRequest(rx.Component):
    """Renders nothing; answers each new `request` id with a fresh token, through `on_token`.

    The server asks by setting a state var (a new id), so the request rides in the delta the
    handler sends anyway: one websocket message instead of a delta and a `call_script` event.
    It asks the bridge (`ClerkTokenBridge`), waiting briefly for it after the page loads.
    """

    tag = "ClerkTokenRequest"

    request: rx.Var[str]
    """The id of the latest request; empty for none."""

    skip_cache: rx.Var[bool]
    """Whether to ask Clerk for a token past its cache."""

    # Reflex reads the argument spec from the annotation; mypy cannot type a call there.
    on_token: rx.EventHandler[passthrough_event_spec(TokenResult)]  # type: ignore[valid-type,type-arg]
    """Receives the `TokenResult`."""

    def add_imports(self) -> dict[str, Any]:
        """`useEffect` and `useRef` from React."""
        return {"react": [rx.ImportVar(tag="useEffect"), rx.ImportVar(tag="useRef")]}

    def add_custom_code(self) -> list[str]:
        """The requester's React function component."""
        return [_REQUEST_CODE]


clerk_token_request = ClerkTokenRequest.create
