"""Token verification cost per call, in-process: our verifier vs bare PyJWT vs the RSA floor.

Run with the app's directory on sys.path (run.py does: cwd = the app copy). Cases:

- ours_stream: `SessionVerifier.verify` over the route phase's token stream (the same number
  of users' tokens, cycled), i.e. amortized the way the benchmarked route sees it.
- ours_unique: `SessionVerifier.verify` where every token is new (no reuse at all).
- pyjwt_decode: `jwt.decode` with a key object and the baseline's options, plus an azp check
  (the baseline harness's `pyjwt_decode_keyobj` case, vendored in bench/vendor/harness).
- floor: `cryptography` RSA PKCS#1 v1.5 SHA-256 verify of header.payload only.

Prints one JSON object: wall and CPU microseconds per call (median of repeats).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "vendor" / "harness"))
sys.path.insert(0, str(Path.cwd()))

import jwt  # noqa: E402
import keys as keymod  # noqa: E402
import tokens as tokmod  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey  # noqa: E402


def _b64d(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def bench(fn: Callable[[int], object], n: int, repeats: int) -> dict[str, float]:
    """Call fn(i) for i in range(n), `repeats` times; µs per call (median), wall and CPU."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        w0, c0 = time.perf_counter_ns(), time.process_time_ns()
        for i in range(n):
            fn(i)
        w1, c1 = time.perf_counter_ns(), time.process_time_ns()
        walls.append((w1 - w0) / n / 1000)
        cpus.append((c1 - c0) / n / 1000)
    return {
        "wall_us": round(statistics.median(walls), 2),
        "cpu_us": round(statistics.median(cpus), 2),
        "n": n,
        "repeats": repeats,
    }


def bench_async(
    fn: Callable[[int], Coroutine[Any, Any, None]], n: int, repeats: int
) -> dict[str, float]:
    """Await fn(n) (n calls inside one coroutine, as a request handler would), `repeats` times."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        w0, c0 = time.perf_counter_ns(), time.process_time_ns()
        asyncio.run(fn(n))
        w1, c1 = time.perf_counter_ns(), time.process_time_ns()
        walls.append((w1 - w0) / n / 1000)
        cpus.append((c1 - c0) / n / 1000)
    return {
        "wall_us": round(statistics.median(walls), 2),
        "cpu_us": round(statistics.median(cpus), 2),
        "n": n,
        "repeats": repeats,
    }


Case = Callable[[int], object]
AsyncCase = Callable[[int], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Keys:
    """The fixtures' key pair, kid, issuer and authorized party."""

    public: RSAPublicKey
    private: Any
    kid: str
    issuer: str
    azp: str


def parse_args() -> argparse.Namespace:
    """The command line: fixtures dir, call counts and repeats."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--fixtures", type=Path, required=True)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--unique-n", type=int, default=1000, help="never-seen tokens per repeat")
    ap.add_argument("--stream-users", type=int, default=200)
    ap.add_argument(
        "--stream-calls",
        type=int,
        default=20000,
        help="calls over the cycled stream (like a route phase's requests)",
    )
    return ap.parse_args()


def load_keys(fixtures: Path) -> Keys:
    """The signing material and expected claims from the harness fixtures."""
    fx = keymod.load(fixtures)
    key = serialization.load_pem_public_key(fx["jwt_public_pem"].encode())
    assert isinstance(key, RSAPublicKey)
    # A key object: PyJWT would re-parse and re-validate a PEM on every encode (~45 ms).
    priv = serialization.load_pem_private_key(fx["jwt_private_pem"].encode(), password=None)
    return Keys(public=key, private=priv, kid=fx["kid"], issuer=fx["issuer"], azp=fx["azp"])


def mint_tokens(keys: Keys, count: int, prefix: str, width: int) -> list[str]:
    """count tokens for users named prefix + a zero-padded index of width digits."""
    return [
        tokmod.mint(keys.private, keys.kid, f"{prefix}{i:0{width}d}", ttl=3600)
        for i in range(count)
    ]


def ours_cases(keys: Keys, stream: list[str], unique: list[str]) -> tuple[AsyncCase, AsyncCase]:
    """`SessionVerifier.verify` over the cycled stream, and over tokens never seen before."""
    from clerk_fullstack.auth.key_sources import StaticKeySource
    from clerk_fullstack.auth.session import SessionVerifier

    key, issuer, azp = keys.public, keys.issuer, keys.azp

    def new_verifier() -> SessionVerifier:
        """A verifier with an empty cache."""
        return SessionVerifier(StaticKeySource(key), issuer=issuer, authorized_parties=[azp])

    # Stream: a fresh verifier per repeat, so each repeat pays the first sight of every token.
    m = len(stream)

    async def ours_stream(n: int) -> None:
        """n verifications cycling over the stream."""
        verifier = new_verifier()
        for i in range(n):
            await verifier.verify(stream[i % m])

    cursor = iter(unique)

    async def ours_unique(n: int) -> None:
        """n verifications of tokens not used before."""
        verifier = new_verifier()
        for _ in range(n):
            await verifier.verify(next(cursor))

    return ours_stream, ours_unique


def pyjwt_case(keys: Keys, token: str) -> Case:
    """`jwt.decode` of token with the key object and the baseline's options, plus azp."""
    key, issuer, azp = keys.public, keys.issuer, keys.azp
    opts: Any = {"require": ["exp", "iat", "nbf", "iss", "sub"]}

    def pyjwt_decode(_: int) -> object:
        """One decode and azp check."""
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, leeway=5, options=opts)
        if claims.get("azp") and claims["azp"] not in {azp}:
            raise jwt.InvalidTokenError("azp")
        return claims

    return pyjwt_decode


def floor_case(keys: Keys, token: str) -> Case:
    """The RSA PKCS#1 v1.5 SHA-256 verify of token's header.payload alone."""
    key = keys.public
    h, p, s = token.split(".")
    signing_input, sig = f"{h}.{p}".encode(), _b64d(s)
    pad, sha = padding.PKCS1v15(), hashes.SHA256()

    def floor(_: int) -> None:
        """One signature verify."""
        key.verify(sig, signing_input, pad, sha)

    return floor


def main() -> None:
    """Measure the four cases and print them as one JSON object."""
    a = parse_args()
    keys = load_keys(a.fixtures)
    stream = mint_tokens(keys, a.stream_users, "user_bench", 22)
    unique = mint_tokens(keys, a.unique_n * a.repeats + 200, "user_uniq", 23)
    ours_stream, ours_unique = ours_cases(keys, stream, unique)
    pyjwt_decode = pyjwt_case(keys, stream[0])
    floor = floor_case(keys, stream[0])

    for fn in (pyjwt_decode, floor):
        for i in range(200):
            fn(i)
    asyncio.run(ours_unique(200))
    out = {
        "python": sys.version.split()[0],
        "pyjwt": jwt.__version__,
        "stream_users": len(stream),
        "ours_stream": bench_async(ours_stream, a.stream_calls, a.repeats),
        "ours_unique": bench_async(ours_unique, a.unique_n, a.repeats),
        "pyjwt_decode": bench(pyjwt_decode, a.n, a.repeats),
        "floor": bench(floor, a.n, a.repeats),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
