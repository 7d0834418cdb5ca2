"""HTTP to the servers the tests start, with one TLS context per process.

httpx builds a TLS context from the system's CA certificates for each client it makes, even for
an `http://` URL: about 55 ms of CPU on this project's machine, against 0.4 ms for the request.
`httpx.get` makes a client per call. Before these helpers, the suite built about 1,200 contexts
(70 CPU-s of a 1,000 CPU-s run): the readiness polls of every app it starts, every webhook a
test delivers by URL, every client a fixture opens. These give each client the process's one
context instead, the one the app's own clients share (`clerk_fullstack/core/tls.py`).
`tests/test_http_client.py` counts the contexts they build: none.

A client served by an in-process ASGI transport builds no context; those stay plain httpx.
"""

from __future__ import annotations

from typing import Any

import httpx

from clerk_fullstack.core.tls import client_tls


def request(method: str, url: str, **options: Any) -> httpx.Response:
    """`httpx.request`: one request from a new client, which builds no TLS context."""
    return httpx.request(method, url, verify=client_tls(), **options)


def get(url: str, **options: Any) -> httpx.Response:
    """`httpx.get`, building no TLS context."""
    return request("GET", url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    """`httpx.post`, building no TLS context."""
    return request("POST", url, **options)


def sync_client(**options: Any) -> httpx.Client:
    """`httpx.Client(**options)`, with the process's TLS context."""
    return httpx.Client(verify=client_tls(), **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    """`httpx.AsyncClient(**options)`, with the process's TLS context."""
    return httpx.AsyncClient(verify=client_tls(), **options)
