"""Parse a JWKS document into RSA signing keys, skipping every entry that is not usable."""

from __future__ import annotations

import json
import logging

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from clerk_fullstack.core.errors import clip

logger = logging.getLogger(__name__)


def parse_jwks(document: object) -> dict[str, RSAPublicKey]:
    """Map `kid` to RSA public key for every usable RS256 signing key; skip malformed entries."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("JWKS has no 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        try:
            key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        except (InvalidKeyError, ValueError, TypeError, KeyError) as exc:
            # One bad entry must not hide the good ones (a new kid would never be learned).
            logger.warning("JWKS entry %s skipped: %s", clip(kid), clip(str(exc), 120))
            continue
        if isinstance(key, RSAPublicKey):
            keys[kid] = key
    return keys
