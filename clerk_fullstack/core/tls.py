"""The TLS settings of the app's outgoing HTTPS clients, built once per process.

httpx builds a new context from the system's CA certificates for each client it makes: about
50 ms of CPU here, run on the event loop, so every other request of the worker waits for it.
The clients the app makes for one call (a JWKS refetch, a late user's fetch from Clerk, the local
emulator's webhook deliveries) share this context instead. It verifies exactly as httpx's
default does (`SSL_CERT_FILE` or `SSL_CERT_DIR` if set, else certifi's bundle).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def client_tls() -> ssl.SSLContext:
    """httpx's default verifying context, made on first use and shared."""
    return httpx.create_ssl_context()
