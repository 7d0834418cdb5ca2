# Copied from ../shared/baseline/bench/keys.py (baseline harness).
# Changes: ruff format/lint fixes only, unless a '# bench:' comment says otherwise.
"""Offline Clerk-like fixtures for benchmarking: RSA key pair, JWKS, webhook secret,
publishable/secret keys.

Usage:
    python keys.py --out DIR            # create (or reuse) fixtures in DIR
    python keys.py --out DIR --env      # also print shell `export` lines for a server

Files written to DIR:
    jwt_private.pem   RSA-2048 private key (PKCS#8 PEM)  -> used to mint session tokens
    jwt_public.pem    SPKI public key PEM               -> CLERK_JWT_KEY for the server
    jwks.json         {"keys":[{kty,n,e,kid,alg,use}]}  -> for servers that want a JWKS
    fixtures.json     everything above plus kid, webhook secret, pk/sk, issuer, azp
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shlex
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FRONTEND_API_HOST = "clerk.bench.test"
ISSUER = f"https://{FRONTEND_API_HOST}"
AZP = "http://localhost:3000"


def _b64url_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def publishable_key(host: str = FRONTEND_API_HOST) -> str:
    # Clerk format: 'pk_test_' + base64('<frontend-api-host>$')
    return "pk_test_" + base64.b64encode(f"{host}$".encode()).decode()


def webhook_secret() -> str:
    # Svix format: 'whsec_' + base64(random bytes)
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def generate(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    pub_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    kid = "ins_bench_" + secrets.token_hex(8)
    pn = key.public_key().public_numbers()
    jwks = {
        "keys": [
            {
                "use": "sig",
                "kty": "RSA",
                "kid": kid,
                "alg": "RS256",
                "n": _b64url_uint(pn.n),
                "e": _b64url_uint(pn.e),
            }
        ]
    }
    fx = {
        "kid": kid,
        "issuer": ISSUER,
        "azp": AZP,
        "frontend_api_host": FRONTEND_API_HOST,
        "publishable_key": publishable_key(),
        # dummy but well-formed: only presence is checked when CLERK_JWT_KEY is set
        "secret_key": "sk_test_" + secrets.token_urlsafe(30).replace("-", "A").replace("_", "B"),
        "webhook_secret": webhook_secret(),
        "jwt_private_pem": priv_pem,
        "jwt_public_pem": pub_pem,
        "jwks": jwks,
    }
    (out / "jwt_private.pem").write_text(priv_pem)
    os.chmod(out / "jwt_private.pem", 0o600)
    (out / "jwt_public.pem").write_text(pub_pem)
    (out / "jwks.json").write_text(json.dumps(jwks, indent=2))
    (out / "fixtures.json").write_text(json.dumps(fx, indent=2))
    return fx


def load(out: Path) -> dict:
    return json.loads((Path(out) / "fixtures.json").read_text())


def load_or_generate(out: Path) -> dict:
    out = Path(out)
    if (out / "fixtures.json").exists():
        return load(out)
    return generate(out)


def env_lines(fx: dict) -> str:
    env = {
        "CLERK_WEBHOOK_SECRET": fx["webhook_secret"],
        "CLERK_JWT_KEY": fx["jwt_public_pem"],
        "CLERK_SECRET_KEY": fx["secret_key"],
        "CLERK_PUBLISHABLE_KEY": fx["publishable_key"],
    }
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--force", action="store_true", help="regenerate even if fixtures exist")
    ap.add_argument("--env", action="store_true", help="print export lines for a server")
    a = ap.parse_args()
    fx = generate(a.out) if a.force else load_or_generate(a.out)
    if a.env:
        print(env_lines(fx))
    else:
        print(
            json.dumps(
                {k: fx[k] for k in ("kid", "issuer", "publishable_key", "webhook_secret")}, indent=2
            )
        )


if __name__ == "__main__":
    main()
