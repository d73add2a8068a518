"""``serve --transport http --workers N``: N worker processes on one port, connections dealt out in turn.

uvicorn's own ``--workers`` lets every worker accept from one shared listening socket. Whichever worker wakes first
takes every connection waiting (asyncio accepts up to the backlog per wake-up), so keep-alive clients that arrive
together land unevenly: with 50 clients we measured 36 connections on one worker and 14 on the other, and the
second worker ran out of work while the first still had most of it. Here the parent process accepts and hands each
connection to the next worker in turn over a Unix socket pair (SCM_RIGHTS), as Node's cluster module does on Linux
for the same reason. Only the accept goes through the parent; the requests on a connection go straight to the
worker that holds it. A worker that dies is started again; a worker whose parent is gone stops.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass

import uvicorn

log = logging.getLogger("do_expert.http")

ACCEPT_POLL = 1.0  # seconds between checks that every worker is alive, when no connection arrives
HAND_OFF_TIMEOUT = 5.0  # a worker that cannot take a connection within this is skipped for the next one
BACKLOG = 2048  # uvicorn's default


def supported() -> bool:
    """Passing sockets between processes needs SCM_RIGHTS (POSIX)."""
    return hasattr(socket, "send_fds") and os.name == "posix"


# ------------------------------------------------------------------------------------------------------ the worker
class HandedConnectionsServer(uvicorn.Server):
    """A uvicorn server that listens on nothing: it serves the connections its parent sends over ``channel``.
    Startup, keep-alive, the protocol class, graceful shutdown and the ASGI lifespan are uvicorn's own."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel

    async def startup(self, sockets=None) -> None:
        # uvicorn's startup minus the listening socket (it has no hook for connections accepted elsewhere)
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            sys.exit(3)  # uvicorn's STARTUP_FAILURE
        config = self.config

        def create_protocol() -> asyncio.Protocol:
            return config.http_protocol_class(config=config, server_state=self.server_state,
                                              app_state=self.lifespan.state)

        loop = asyncio.get_running_loop()
        self.servers = []
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop, create_protocol)
        self.started = True

    def _take(self, loop: asyncio.AbstractEventLoop, create_protocol) -> None:
        try:
            data, fds, _, _ = socket.recv_fds(self.channel, 256, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        if not data and not fds:  # end of stream: the parent is gone, so no more connections will come
            loop.remove_reader(self.channel.fileno())
            self.should_exit = True
            return
        for fd in fds:
            loop.create_task(self._open_connection(loop, create_protocol, socket.socket(fileno=fd)))

    @staticmethod
    async def _open_connection(loop: asyncio.AbstractEventLoop, create_protocol, sock: socket.socket) -> None:
        try:
            await loop.connect_accepted_socket(create_protocol, sock)
        except OSError:  # the client left between the parent's accept and now
            sock.close()

    async def shutdown(self, sockets=None) -> None:
        try:
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        except (ValueError, OSError):
            pass
        await super().shutdown(sockets)


def _worker_main(channel: socket.socket, host: str, port: int) -> None:
    """One worker process: imports the server, opens the shared read-only index in the background, serves the
    connections handed to it. Stateless HTTP keeps no session, so any worker can answer any request."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("DO_EXPERT_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from server.app import mcp, start_warm_up
    from server.http import GUARDS, build_app

    start_warm_up()
    config = uvicorn.Config(build_app(mcp, host, port), host=host, port=port, log_level="warning", **GUARDS)
    HandedConnectionsServer(config, channel).run()


# ------------------------------------------------------------------------------------------------------ the parent
@dataclass
class Worker:
    process: multiprocessing.process.BaseProcess
    channel: socket.socket  # the parent's end of the socket pair


class Supervisor:
    def __init__(self, host: str, port: int, workers: int) -> None:
        self.host, self.port, self.count = host, port, workers
        self.context = multiprocessing.get_context("spawn")  # a forked child could inherit a held lock
        self.workers: list[Worker] = []
        self.turn = 0

    def start_worker(self) -> Worker:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process = self.context.Process(target=_worker_main, args=(child_end, self.host, self.port),
                                       name="do-expert-http-worker", daemon=False)
        process.start()
        child_end.close()
        parent_end.settimeout(HAND_OFF_TIMEOUT)
        return Worker(process, parent_end)

    def replace_dead(self) -> None:
        for i, worker in enumerate(self.workers):
            if not worker.process.is_alive():
                log.warning("HTTP worker %s exited (code %s); starting another", worker.process.pid,
                            worker.process.exitcode)
                worker.channel.close()
                self.workers[i] = self.start_worker()

    def hand_off(self, conn: socket.socket) -> None:
        """Give the connection to the next worker in turn; skip one that cannot take it (and replace it if dead)."""
        for _ in range(len(self.workers)):
            worker = self.workers[self.turn % len(self.workers)]
            self.turn += 1
            try:
                socket.send_fds(worker.channel, [b"c"], [conn.fileno()])
                return
            except OSError as exc:
                log.warning("HTTP worker %s did not take a connection: %s", worker.process.pid, exc)
                self.replace_dead()
        log.error("no HTTP worker took a connection; it is closed")

    def serve(self, listener: socket.socket) -> None:
        self.workers = [self.start_worker() for _ in range(self.count)]
        listener.settimeout(ACCEPT_POLL)
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                self.replace_dead()
                continue
            except OSError as exc:  # e.g. EMFILE: wait a moment rather than spin
                log.warning("accept failed: %s", exc)
                time.sleep(0.1)
                self.replace_dead()
                continue
            with conn:  # the worker holds its own copy of the socket once send_fds returns
                self.hand_off(conn)

    def stop(self) -> None:
        for worker in self.workers:
            worker.channel.close()  # a worker reads end of stream and shuts down gracefully
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)


def serve_workers(host: str, port: int, workers: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family, backlog=BACKLOG)
    except OSError as exc:  # e.g. the port is taken: say so and exit, as uvicorn does with one worker
        log.error("cannot listen on %s:%d: %s", host, port, exc)
        sys.exit(1)
    supervisor = Supervisor(host, port, workers)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        supervisor.serve(listener)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        supervisor.stop()
