"""`python -m clerk_fullstack.sync [--dry-run] [--delete-missing [--force]] [--since ISO8601]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo.errors import PyMongoError

from clerk_fullstack.core.errors import AppError
from clerk_fullstack.core.settings import ConfigError, get_settings
from clerk_fullstack.server.startup import start
from clerk_fullstack.sync import guards
from clerk_fullstack.sync.apply import Summary
from clerk_fullstack.sync.output import Progress, summary_lines
from clerk_fullstack.sync.reconcile import reconcile
from clerk_fullstack.users import instance as instance_record
from clerk_fullstack.users.clerk_api import MAX_PAGE_SIZE, ClerkAPIError, ClerkUsersAPI
from clerk_fullstack.users.store import connect, database_unavailable

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def iso_datetime(value: str) -> datetime:
    """An ISO 8601 time; one without a zone is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def page_size(value: str) -> int:
    """A `limit` Clerk accepts."""
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_PAGE_SIZE}")
    return int(value)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line; `--since` and `--delete-missing` exclude each other."""
    parser = argparse.ArgumentParser(
        prog="python -m clerk_fullstack.sync",
        description="Bring MongoDB's users in line with Clerk's, from Clerk's Backend API.",
    )
    parser.add_argument("--dry-run", action="store_true", help="change nothing; print the plan")
    parser.add_argument(
        "--delete-missing", action="store_true", help="delete users Clerk no longer has"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        # argparse formats help with %: a literal percent sign is written %%.
        help=f"with --delete-missing: delete even more than {guards.MAX_DELETE_SHARE * 100:.0f}%% "
        "of the stored users",
    )
    parser.add_argument(
        "--since", type=iso_datetime, help="only users Clerk updated at or after this time"
    )
    parser.add_argument("--page-size", type=page_size, default=MAX_PAGE_SIZE, help="users/call")
    parser.add_argument(
        "--rebind-instance",
        action="store_true",
        help="record this Clerk instance as the database's, replacing the one recorded",
    )
    args = parser.parse_args(argv)
    if args.since and args.delete_missing:
        parser.error("--delete-missing needs the whole user list; drop --since")
    if args.force and not args.delete_missing:
        parser.error("--force only applies to --delete-missing")
    return args


async def run(args: argparse.Namespace, progress: Progress) -> Summary:
    """Connect to MongoDB and Clerk as the app does, and reconcile.

    The database records the Clerk instance (issuer) of the first sync that completes; a sync
    with keys for another instance is refused before it reads or writes anything, unless
    `--rebind-instance` says the users moved. A dry run records nothing.
    """
    instance = start()
    if not instance.secret_key:
        raise ConfigError("CLERK_SECRET_KEY is needed to read Clerk's users")
    guards.check_key_environments(instance.publishable_key, instance.secret_key)
    client = await connect(get_settings())
    try:
        recorded = await instance_record.recorded_issuer()
        if not args.rebind_instance:
            guards.check_instance(recorded, instance.issuer)
        async with ClerkUsersAPI(instance.api_url, instance.secret_key) as api:
            summary = await reconcile(
                api,
                dry_run=args.dry_run,
                delete_missing=args.delete_missing,
                force=args.force,
                since=args.since,
                page_size=args.page_size,
                report=progress,
            )
        if recorded != instance.issuer and not args.dry_run:
            await instance_record.record_instance(instance.issuer)
        return summary
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sync; print progress to stderr and the summary to stdout; return the exit code."""
    args = parse_args(argv)
    progress = Progress(sys.stderr)
    try:
        summary = asyncio.run(run(args, progress))
    except KeyboardInterrupt:
        progress.close()
        print("Interrupted: nothing is half-written; run the command again to finish.")
        return EXIT_INTERRUPTED
    except guards.SyncRefused as exc:
        progress.close()
        if exc.summary is not None:  # what was applied before the refusal, and who is missing
            lines = summary_lines(
                exc.summary, dry_run=args.dry_run, delete_missing=True, refused=True
            )
            print("\n".join(lines))
        print(f"Sync failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (ClerkAPIError, ConfigError, AppError) as exc:
        progress.close()
        print(f"Sync failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (PyMongoError, TimeoutError) as exc:  # TimeoutError: a step past MONGO_TIMEOUT_MS
        progress.close()
        print(f"Sync failed: {database_unavailable(exc)} ({type(exc).__name__})", file=sys.stderr)
        return EXIT_FAILED
    progress.close()
    lines = summary_lines(summary, dry_run=args.dry_run, delete_missing=args.delete_missing)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
