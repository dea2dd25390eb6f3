"""Starting a real `celery worker` as a subprocess: for the integration tests (conftest.py) and the
benchmark (bench/), which both need the production worker, not an in-process imitation."""

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def spawn_worker(
    *, nodename: str, log_path: Path, env: Mapping[str, str], concurrency: int, extra_args: Sequence[str] = ()
) -> subprocess.Popen:
    """`celery -A hemkunskap worker` with a prefork pool, its output in `log_path`, in a process group of
    its own so that it can be stopped together with its pool."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log_file:
        return subprocess.Popen(  # noqa: S603 (a fixed command line: our interpreter, our app)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hemkunskap",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                *extra_args,
                "-n",
                nodename,
            ],
            cwd=BASE_DIR,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
