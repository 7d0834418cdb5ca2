"""What keeps a sync from deleting the wrong users: the database's Clerk instance, matching keys,
and a cap on the share of users one `--delete-missing` removes without `--force`."""

from __future__ import annotations

import math

from clerk_fullstack.sync.apply import Summary

MAX_DELETE_SHARE = 0.10
"""Missed `user.deleted` webhooks are a few users; a listing from the wrong instance, or one cut
short, misses most of them. Above this share of the stored users, deleting needs `--force`."""
DELETE_ALLOWANCE = 10
"""Up to this many deletions never need `--force`, so a small database is not always refused."""


class SyncRefused(RuntimeError):
    """The sync stopped before deleting or writing anything it should not; the message says why."""

    def __init__(self, message: str, summary: Summary | None = None) -> None:
        super().__init__(message)
        self.summary = summary
        """What the sync did before it stopped (creates and updates are kept), if it got far."""


def check_key_environments(publishable_key: str, secret_key: str) -> None:
    """Refuse a live publishable key with a test secret key, or the other way round."""
    live_publishable = publishable_key.startswith("pk_live_")
    live_secret = secret_key.startswith("sk_live_")
    if live_publishable != live_secret:
        kinds = ("live", "test") if live_secret else ("test", "live")
        raise SyncRefused(
            f"CLERK_SECRET_KEY is a {kinds[0]} key but CLERK_PUBLISHABLE_KEY a {kinds[1]} one: "
            "they must come from the same Clerk instance. Nothing was read or written."
        )


def check_instance(recorded: str | None, issuer: str) -> None:
    """Refuse a sync with keys for another instance than the one the database records."""
    if recorded is not None and recorded != issuer:
        raise SyncRefused(
            f"this database belongs to the Clerk instance {recorded}, but CLERK_PUBLISHABLE_KEY "
            f"is for {issuer}. Nothing was read or written. Check MONGO_URI, MONGO_DB and the "
            "Clerk keys; if the users really moved to the new instance, run with "
            "--rebind-instance."
        )


def check_deletion_share(summary: Summary, stored: int, *, force: bool) -> None:
    """Refuse to delete more than `MAX_DELETE_SHARE` of `stored` users (and more than
    `DELETE_ALLOWANCE`) unless forced."""
    missing = len(summary.missing)
    allowed = max(DELETE_ALLOWANCE, math.floor(stored * MAX_DELETE_SHARE))
    if force or missing <= allowed:
        return
    raise SyncRefused(
        f"{missing} of the {stored} users stored here are not in Clerk's listing. Deleting more "
        f"than {MAX_DELETE_SHARE:.0%} of them (and more than {DELETE_ALLOWANCE}) needs --force; "
        "nothing was deleted. Check that the Clerk keys and MONGO_URI belong together, then run "
        "again with --force if these users really are gone.",
        summary,
    )
