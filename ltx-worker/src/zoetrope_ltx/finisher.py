"""`--overlap-encode`: a generated job's finishing (MP4 encode, upload, completion) runs on a
background thread while the worker leases and generates the next job. One job finishes at a time,
so at most two jobs' frames are held at once: the one finishing and the one just generated."""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Callable

log = logging.getLogger("zoetrope_ltx")


class Finisher:
    """Runs one job's finishing at a time on a thread of its own; the next waits for it."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def submit(self, job_id: str, finish: Callable[[], None]) -> None:
        """Waits for the job finishing now, if any, then starts `finish` and returns."""
        self.wait()
        self._thread = threading.Thread(target=self._run, args=(job_id, finish), name=f"finish-{job_id[:8]}")
        self._thread.start()

    def wait(self) -> None:
        """Returns once no job is finishing (a stopping worker finishes its generated job first)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @staticmethod
    def _run(job_id: str, finish: Callable[[], None]) -> None:
        try:
            finish()
        except BaseException:  # noqa: BLE001 — logged, never silent; the worker loop goes on
            log.critical("job %s: finishing crashed (a job left unanswered goes back to the queue when its "
                         "lease expires):\n%s", job_id, traceback.format_exc())
