"""A log that cannot be written says what is actually wrong (a file in the way, no permission, a full or read-only
disk) and what to do, instead of always advising to free disk space."""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_core.record import Result
from llm_core.store.csv_store import LogStore, LogWriteError

NOBODY = 65534  # the unprivileged user of Debian-like systems


def answer(prompt: str = "hi") -> Result:
    """A finished response, as the engine hands it to the log."""
    return Result(model="echo", requested_model="echo", provider="echo", prompt=prompt, text="hello", status="ok")


def test_a_log_folder_that_is_a_file_says_so_and_what_to_do(isolated):
    blocked = isolated / "logs"
    blocked.write_text("a regular file where the log folder should be")
    warning = LogStore(blocked).append_response(answer())
    assert f"{blocked} is a file, not a folder" in warning
    assert "Move it aside" in warning and "SWITCHBOARD_LOG_DIR" in warning
    assert "disk space" not in warning


def test_a_log_folder_inside_a_file_names_the_file_in_the_way(isolated):
    blocked = isolated / "notes.txt"
    blocked.write_text("a regular file")
    with pytest.raises(LogWriteError) as caught:
        LogStore(blocked / "logs").append_rating("abc", 4)
    message = str(caught.value)
    assert f"{blocked} is a file, not a folder" in message and "disk space" not in message


@pytest.fixture
def unwritable_folder() -> Iterator[Path]:
    """A folder this test can read but its writer may not write: owned by root (0755), or made read-only."""
    folder = Path(tempfile.mkdtemp(prefix="switchboard-unwritable-"))  # /tmp, which any user can traverse
    folder.chmod(0o755 if os.geteuid() == 0 else 0o555)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def _append_as_unprivileged_user(folder: str, prompt: str, out) -> None:
    if os.geteuid() == 0:  # root ignores permissions: drop to nobody, so the kernel really refuses (EACCES)
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    out.send(LogStore(folder).append_response(answer(prompt)))


def warning_from_unprivileged_append(folder: Path) -> str:
    """The warning a user without write permission gets, from a real append in a forked process."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    writer = context.Process(target=_append_as_unprivileged_user, args=(str(folder), "no room for me", sending))
    writer.start()
    warning = receiving.recv()
    writer.join()
    return warning


def test_a_log_folder_without_write_permission_says_so_and_what_to_do(unwritable_folder):
    warning = warning_from_unprivileged_append(unwritable_folder)
    assert "not saved" in warning and "Permission denied" in warning
    assert f"give this user write access to {unwritable_folder}" in warning and "SWITCHBOARD_LOG_DIR" in warning
    assert "disk space" not in warning
    assert not (unwritable_folder / "requests.csv").exists()


def test_a_new_log_folder_in_a_folder_without_write_permission_names_the_folder_to_fix(unwritable_folder):
    warning = warning_from_unprivileged_append(unwritable_folder / "logs")
    assert f"could not create the log folder {unwritable_folder / 'logs'}" in warning
    assert f"give this user write access to {unwritable_folder}" in warning and "disk space" not in warning


def test_a_log_folder_on_a_read_only_disk_says_so(monkeypatch):
    """A read-only mount cannot be made here, so the kernel's answer (EROFS) is given by os.open."""
    store = LogStore()
    store.append_response(answer("before"))

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(store.requests_path))

    monkeypatch.setattr(os, "open", read_only)
    warning = store.append_response(answer("while read-only"))
    assert "Read-only file system" in warning and f"{store.directory} is on a read-only disk" in warning
    assert "SWITCHBOARD_LOG_DIR" in warning and "disk space" not in warning


def test_a_full_disk_says_the_disk_is_full_and_to_free_space(monkeypatch):
    store = LogStore()
    store.append_response(answer("before"))

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", disk_full)
    warning = store.append_response(answer("while full"))
    assert f"the disk holding {store.directory} is full" in warning and "Free some disk space" in warning
