"""Which Clerk instance (issuer) the database belongs to, recorded by the first completed sync."""

from __future__ import annotations

from clerk_fullstack.users.models import (
    INSTANCE_ISSUER,
    INSTANCE_RECORD_ID,
    INSTANCE_RECORDED_AT,
    ClerkInstanceRecord,
    utcnow,
)
from clerk_fullstack.users.store import WRITE_CONCERN, database_call


async def recorded_issuer() -> str | None:
    """The Clerk instance (issuer) this database belongs to, or None before the first sync."""
    async with database_call():
        found = await ClerkInstanceRecord.get_pymongo_collection().find_one(
            {"_id": INSTANCE_RECORD_ID}
        )
    issuer = found.get(INSTANCE_ISSUER) if found else None
    return issuer if isinstance(issuer, str) else None


async def record_instance(issuer: str) -> None:
    """Record (or replace) the Clerk instance the database belongs to."""
    collection = ClerkInstanceRecord.get_pymongo_collection().with_options(
        write_concern=WRITE_CONCERN
    )
    async with database_call():
        await collection.update_one(
            {"_id": INSTANCE_RECORD_ID},
            {"$set": {INSTANCE_ISSUER: issuer, INSTANCE_RECORDED_AT: utcnow()}},
            upsert=True,
        )
