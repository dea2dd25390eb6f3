"""Servers of a test's (or the load run's) own, which it may stop and start as it likes without touching the
machine's shared PostgreSQL and Redis: a redis-server on a free port, a TCP proxy in front of PostgreSQL
that plays a restart, and gunicorn. Each process runs in a process group of its own and is stopped by its
id, never by name."""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 20


def free_port() -> int:
    """A port nothing listens on just now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal a process we started and wait; if it does not end, kill its process group (ours, by its id)."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll until `condition()` is true; the seconds it took. TimeoutError naming `what` after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


class RedisServer:
    """`redis-server` without persistence on a port of its own. stop() (SIGKILL by default: a crash) and
    start() again on the same port: it comes back empty, as a Redis without persistence does."""

    def __init__(self, *, log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as log:
            self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
                [
                    executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.answers, timeout=START_TIMEOUT_SECONDS, what=f"redis-server on port {self.port}")

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            stop_process(self.process, sig)
            self.process = None

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


class TcpProxy:
    """A TCP proxy from a port of its own to `upstream` (PostgreSQL), run by an asyncio loop in a thread.

    down() plays a database restart as the app sees one: every open connection is cut at once and new ones
    are refused (nothing listens on the port) until up()."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.accepted = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        self.up()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_SECONDS)
        self._loop.close()

    def up(self) -> None:
        self._run(self._listen())

    def down(self) -> None:
        self._run(self._cut())

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=STOP_TIMEOUT_SECONDS)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()  # stop listening: connecting is refused from now on
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()  # both directions of every connection, at once
        self._open.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        pair = {client_writer, upstream_writer}
        self._open |= pair
        try:
            await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))
        finally:
            self._open -= pair

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()  # one side gone: so is the other


def start_gunicorn(*, port: int, env: Mapping[str, str], log_path: Path, workers: int = 2) -> subprocess.Popen:
    """`gunicorn hemkunskap.wsgi` as `make serve` runs it (sync workers), its output in `log_path`; returns
    once it answers HTTP."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 (a fixed command line: our interpreter, our app)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hemkunskap.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                # Not the one control socket in the home directory that `make serve` would use.
                "--no-control-socket",
            ],
            cwd=BASE_DIR,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    try:
        wait_for(listening, timeout=START_TIMEOUT_SECONDS, what=f"gunicorn on port {port}", interval=0.1)
    except BaseException:
        stop_process(process)
        raise
    return process
