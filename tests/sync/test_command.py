"""`python -m clerk_fullstack.sync` as an operator runs it: a process, real HTTP, SecantusDB."""

from __future__ import annotations

import io

import pytest

from clerk_fullstack.core.settings import encode_publishable_key
from clerk_fullstack.sync import guards
from clerk_fullstack.sync.__main__ import parse_args
from clerk_fullstack.sync.apply import Summary
from clerk_fullstack.sync.output import Progress, summary_lines
from tests.helpers.emulator import Emulator, stored_users
from tests.helpers.ports import free_port
from tests.helpers.tokens import TEST_HOST
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET
from tests.sync.command import run_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_the_command_recovers_missed_webhooks(emulator: Emulator) -> None:
    gone = await emulator.sign_up("gone@example.org")
    await emulator.pause_webhooks()
    new = await emulator.sign_up("new@example.org", "New")
    await emulator.delete(gone)

    status, out, err = await run_command("--dry-run")
    assert status == 0, err
    assert "Dry run" in out and "created: 1" in out and "missing: 1" in out
    assert set(await stored_users()) == {gone.user_id}

    status, out, err = await run_command("--delete-missing")
    assert status == 0, err
    assert "created: 1\nupdated: 0\nunchanged: 0\nkept deleted: 0\ndeleted: 1\nmissing: 1" in out
    assert f"  {gone.user_id}" in out
    assert "read 1/1 users: 1 created" in err  # plain progress lines: stderr is a pipe
    assert set(await stored_users()) == {new.user_id}


async def test_the_command_fails_with_a_reason_and_a_nonzero_status(emulator: Emulator) -> None:
    status, out, err = await run_command(
        CLERK_MODE="clerk",
        CLERK_PUBLISHABLE_KEY=encode_publishable_key(TEST_HOST),
        CLERK_SECRET_KEY="sk_test_not_the_emulators",
        CLERK_WEBHOOK_SECRET=TEST_WEBHOOK_SECRET,
        CLERK_API_URL=f"http://127.0.0.1:{emulator.port}/local-clerk",
    )
    assert status == 1
    assert "Sync failed: GET /v1/users/count was refused: The secret key is missing" in err
    assert out == ""


async def test_an_unreachable_database_fails_with_a_reason() -> None:
    status, out, err = await run_command(
        "--dry-run", MONGO_URI=f"mongodb://127.0.0.1:{free_port()}", MONGO_TIMEOUT_MS="300"
    )
    assert status == 1
    assert "Sync failed: Database unavailable" in err
    assert out == ""


async def test_help_lists_every_option() -> None:
    status, out, err = await run_command("--help")
    assert (status, err) == (0, "")
    assert out.startswith("usage:")
    share = f"{guards.MAX_DELETE_SHARE:.0%}"
    for option in ("--dry-run", "--delete-missing", "--since", f"more than {share} of the stored"):
        assert option in " ".join(out.split())


@pytest.mark.unit
def test_since_and_delete_missing_exclude_each_other() -> None:
    assert parse_args(["--since", "2026-01-02T03:04:05Z"]).since.year == 2026
    with pytest.raises(SystemExit):
        parse_args(["--since", "2026-01-02", "--delete-missing"])
    with pytest.raises(SystemExit):
        parse_args(["--since", "yesterday"])


@pytest.mark.unit
def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    summary = Summary(total=4, read=2, created=1, unchanged=1)
    terminal, pipe = io.StringIO(), io.StringIO()
    Progress(terminal, tty=True)(summary)
    Progress(pipe, tty=False)(summary)
    assert terminal.getvalue() == "\r[" + "#" * 15 + "." * 15 + "] 2/4 users"
    assert pipe.getvalue() == "read 2/4 users: 1 created, 0 updated, 1 unchanged\n"


@pytest.mark.unit
def test_the_summary_names_each_count_and_the_missing_users() -> None:
    summary = Summary(total=1, read=1, created=1, missing=["user_a"])
    lines = summary_lines(summary, dry_run=False, delete_missing=False)
    assert lines[:6] == [
        "created: 1",
        "updated: 0",
        "unchanged: 0",
        "kept deleted: 0",
        "deleted: 0",
        "missing: 1",
    ]
    assert "--delete-missing deletes them" in lines[6] and lines[7] == "  user_a"
