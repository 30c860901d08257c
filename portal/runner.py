"""``portal run``: the one-machine server — gunicorn (the production WSGI server, with the
settings of :mod:`portal.gunicorn_conf`) and ``portal worker`` side by side, stopped together.

Ctrl+C (SIGINT) or SIGTERM stops both; if either exits on its own the other is stopped too
and ``portal run`` exits with an error, so nothing is left running half-way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STOP_TIMEOUT_SECONDS = 30


def commands() -> dict[str, list[str]]:
    """The two processes, started with this interpreter's environment."""
    bin_dir = Path(sys.executable).parent
    gunicorn = bin_dir / "gunicorn"
    return {
        "web": [str(gunicorn), "-c", "python:portal.gunicorn_conf", "portal.wsgi:app"],
        "worker": [sys.executable, "-m", "portal.cli", "worker"],
    }


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(env: dict[str, str] | None = None) -> int:
    """Start both, wait until one ends or a stop is asked; return the exit status."""
    environment = {**os.environ, **(env or {})}
    stopping = {"asked": False}

    def ask_stop(*_):
        stopping["asked"] = True

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = {
        # Their own process groups: a Ctrl+C reaches them once, through us.
        name: subprocess.Popen(command, env=environment, start_new_session=True)
        for name, command in commands().items()
    }
    try:
        while not stopping["asked"]:
            ended = [name for name, p in processes.items() if p.poll() is not None]
            if ended:
                print(f"portal run: {ended[0]} exited; stopping the rest", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        _stop(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
