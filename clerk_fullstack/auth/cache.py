"""A bounded cache of verified session tokens, so each token string pays for PyJWT only once.

A browser sends the same session token with every request until Clerk refreshes it (about once
a minute), so most requests carry a token this worker has already verified. The cache maps the
exact token string to the claims PyJWT accepted, plus the `kid` and the key that verified it.
A hit is only as good as a fresh verification would be:

- the time claims are checked again with the same rules and leeway (`exp`, `nbf`, `iat`), and an
  entry is dropped once its `exp` has passed, so nothing outlives the token's own lifetime;
- the key source is asked again for the token's `kid`, and the entry counts only if it still
  returns the very key that verified the signature, so key rotation and JWKS expiry apply;
- everything else PyJWT and `_check_claims` decided (signature, algorithm, issuer, `azp`, `sub`,
  `sts`) is a pure function of the token bytes and the verifier's fixed configuration.

Only successful verifications are stored: a rejected token is verified (and logged) every time,
and only a correctly signed token can take a slot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from clerk_fullstack.auth.tokens import CLOCK_SKEW_SECONDS, SessionClaims

DEFAULT_MAX_ENTRIES = 4096
"""Distinct live tokens kept per worker; about 2 KiB each."""


@dataclass(frozen=True, slots=True)
class CachedToken:
    """What a successful verification established about one token string."""

    claims: SessionClaims
    kid: str | None
    key: RSAPublicKey


class VerifiedTokenCache:
    """Token string -> verified claims, bounded in size, entries gone once the token expires."""

    def __init__(
        self, *, max_entries: int = DEFAULT_MAX_ENTRIES, leeway: float = CLOCK_SKEW_SECONDS
    ) -> None:
        self.max_entries = max_entries
        self.leeway = leeway
        self._entries: dict[str, CachedToken] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> CachedToken | None:
        """The entry for `token` if its time claims still hold now; expired entries are dropped.

        The caller must still confirm that the key source returns `entry.key` for `entry.kid`.
        """
        entry = self._entries.get(token)
        if entry is None:
            self.misses += 1
            return None
        if not self._time_claims_hold(entry.claims, time.time()):
            # Expired (or the clock stepped back before nbf/iat): verify from scratch, which
            # raises with the right reason code.
            self._entries.pop(token, None)
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, token: str, claims: SessionClaims, *, kid: str | None, key: RSAPublicKey) -> None:
        """Remember a token that just passed every check."""
        if self.max_entries <= 0:
            return
        if token not in self._entries and len(self._entries) >= self.max_entries:
            self._evict(time.time())
        self._entries[token] = CachedToken(claims=claims, kid=kid, key=key)

    def discard(self, token: str) -> None:
        """Forget one token (its key is no longer the one the key source returns)."""
        self._entries.pop(token, None)

    def clear(self) -> None:
        """Forget every token."""
        self._entries.clear()

    def _time_claims_hold(self, claims: SessionClaims, now: float) -> bool:
        # The same comparisons PyJWT (exp, nbf) and tokens._check_claims (iat) make.
        if claims.exp <= now - self.leeway:
            return False
        if claims.nbf is not None and claims.nbf > now + self.leeway:
            return False
        return not (claims.iat is not None and claims.iat > now + self.leeway)

    def _evict(self, now: float) -> None:
        """Drop expired entries; if none were, drop the oldest quarter (insertion order)."""
        entries = list(self._entries.items())  # a snapshot: safe if another thread inserts
        for token, entry in entries:
            if entry.claims.exp <= now - self.leeway:
                self._entries.pop(token, None)
        if len(self._entries) >= self.max_entries:
            for token in list(self._entries)[: max(1, self.max_entries // 4)]:
                self._entries.pop(token, None)
