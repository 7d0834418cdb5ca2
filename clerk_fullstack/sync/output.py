"""What the sync prints: a progress bar on a terminal, plain lines otherwise, and a summary."""

from __future__ import annotations

from typing import TextIO

from clerk_fullstack.sync.apply import Summary

BAR_WIDTH = 30


class Progress:
    """Reports each page: redraws one bar on a terminal, or writes a line to a log or pipe."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._drawn = False

    def __call__(self, summary: Summary) -> None:
        """Show how far the sync is."""
        if self._tty:
            total = max(summary.total, summary.read, 1)
            filled = min(BAR_WIDTH, BAR_WIDTH * summary.read // total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self._stream.write(f"\r[{bar}] {summary.read}/{summary.total} users")
            self._drawn = True
        else:
            self._stream.write(
                f"read {summary.read}/{summary.total} users: {summary.created} created, "
                f"{summary.updated} updated, {summary.unchanged} unchanged\n"
            )
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line, so what follows starts on a new one."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def summary_lines(
    summary: Summary, *, dry_run: bool, delete_missing: bool, refused: bool = False
) -> list[str]:
    """The final summary, one `name: count` per line, then the missing users by id.

    `restored` (users an earlier `--delete-missing` deleted, back because Clerk lists them) is
    shown only when there are some; `refused` means the deletion needed `--force`.
    """
    lines = ["Dry run: nothing was written; these are the changes a sync would make."] * dry_run
    lines += [
        f"created: {summary.created}",
        f"updated: {summary.updated}",
        f"unchanged: {summary.unchanged}",
        f"kept deleted: {summary.kept_deleted}",
        f"deleted: {summary.deleted}",
        f"missing: {len(summary.missing)}",
    ]
    if summary.restored:
        lines.append(f"restored: {summary.restored} (of the created: users a sync had deleted)")
    if summary.missing and summary.deleted == 0 and summary.read == 0:
        lines.append("Clerk listed no users, so nothing was deleted.")
    elif summary.missing and refused:
        lines.append("Users stored here but not in Clerk (kept: deleting them needs --force):")
    elif summary.missing and not delete_missing:
        lines.append("Users stored here but not in Clerk (kept; --delete-missing deletes them):")
    elif summary.missing:
        lines.append("Users stored here but not in Clerk (deleted):")
    lines += [f"  {user_id}" for user_id in summary.missing]
    return lines
