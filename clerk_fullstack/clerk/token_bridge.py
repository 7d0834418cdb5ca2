"""Fresh session tokens for Reflex events: `useAuth().getToken()`, callable via `rx.call_script`.

Reflex captures cookies once per websocket connection, so a handler cannot read a refreshed
`__session` cookie. Instead the page asks the browser for a token right before each protected
action and sends it with the event.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

import reflex as rx
from reflex.event import EventSpec

from clerk_fullstack.clerk.library import clerk_library

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
        """`useAuth` from the chosen Clerk library, `useEffect` from React."""
        return {
            clerk_library(): [rx.ImportVar(tag="useAuth")],
            "react": [rx.ImportVar(tag="useEffect")],
        }

    def add_custom_code(self) -> list[str]:
        """The bridge's React function component."""
        return [_BRIDGE_CODE]


clerk_token_bridge = ClerkTokenBridge.create


def token_script(*, skip_cache: bool = False) -> str:
    """JavaScript that resolves to a `TokenResult`, waiting briefly for the bridge to register."""
    options = json.dumps({"skipCache": skip_cache})
    return (
        "(async () => {"
        f" for (let waited = 0; !{GET_TOKEN_FUNCTION} && waited < {BRIDGE_WAIT_MS};"
        " waited += 100) { await new Promise((resolve) => setTimeout(resolve, 100)); }"
        f" return {GET_TOKEN_FUNCTION} ? {GET_TOKEN_FUNCTION}({options})"
        ' : { token: null, error: "Clerk is not available on this page" };'
        " })()"
    )


def request_session_token(callback: Any, *, skip_cache: bool = False) -> EventSpec:
    """An event that gets a fresh token in the browser and sends it to `callback`."""
    return rx.call_script(token_script(skip_cache=skip_cache), callback=callback)
