"""``--workers N``: the parent deals accepted connections to the workers in turn, skips and replaces a dead worker,
and a worker serves the connections it is handed and stops when its parent is gone (server/http_workers.py)."""

from __future__ import annotations

import socket
import threading

import pytest
import uvicorn

from server.http import GUARDS
from server.http_workers import HandedConnectionsServer, Supervisor, Worker, supported

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(not supported(), reason="passing sockets between processes needs SCM_RIGHTS")]


class FakeProcess:
    def __init__(self, pid: int) -> None:
        self.pid, self.alive, self.exitcode = pid, True, None

    def is_alive(self) -> bool:
        return self.alive


class LocalSupervisor(Supervisor):
    """The real dealing logic, with workers that are socket pairs in this process instead of spawned servers."""

    def __init__(self, workers: int) -> None:
        super().__init__("127.0.0.1", 0, workers)
        self.child_ends: dict[int, socket.socket] = {}
        self.started = 0

    def start_worker(self) -> Worker:
        parent_end, child_end = socket.socketpair()
        self.started += 1
        pid = 1000 + self.started
        self.child_ends[pid] = child_end
        return Worker(FakeProcess(pid), parent_end)


def received_fds(child_end: socket.socket) -> list[int]:
    child_end.setblocking(False)
    fds = []
    while True:
        try:
            data, more, _, _ = socket.recv_fds(child_end, 256, 64)
        except BlockingIOError:
            return fds
        if not data:
            return fds
        fds.extend(more)


def connect_and_deal(supervisor: Supervisor, listener: socket.socket, n: int) -> list[socket.socket]:
    clients = []
    for _ in range(n):
        clients.append(socket.create_connection(listener.getsockname()))
        conn, _ = listener.accept()
        with conn:
            supervisor.hand_off(conn)
    return clients


def test_connections_are_dealt_to_the_workers_in_turn():
    supervisor = LocalSupervisor(3)
    supervisor.workers = [supervisor.start_worker() for _ in range(3)]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        clients = connect_and_deal(supervisor, listener, 9)
    counts = [len(received_fds(supervisor.child_ends[w.process.pid])) for w in supervisor.workers]
    assert counts == [3, 3, 3]  # uvicorn's shared socket gave one worker most of a burst of connections
    for c in clients:
        c.close()


def test_a_dead_worker_is_skipped_and_replaced():
    supervisor = LocalSupervisor(2)
    supervisor.workers = [supervisor.start_worker() for _ in range(2)]
    dead = supervisor.workers[0]
    dead.process.alive = False
    supervisor.child_ends[dead.process.pid].close()  # its end of the pair is gone: sending to it fails
    with socket.create_server(("127.0.0.1", 0)) as listener:
        clients = connect_and_deal(supervisor, listener, 1)
    survivor = supervisor.workers[1]
    assert len(received_fds(supervisor.child_ends[survivor.process.pid])) == 1  # the connection was not lost
    assert supervisor.workers[0] is not dead and supervisor.started == 3  # a new worker took the dead one's place
    for c in clients:
        c.close()


BODY = b"served by a handed connection"


async def hello(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})


def test_a_worker_serves_handed_connections_and_stops_when_its_parent_is_gone():
    parent_end, child_end = socket.socketpair()
    config = uvicorn.Config(hello, lifespan="off", log_level="warning", **GUARDS)  # our h11 protocol, as served
    server = HandedConnectionsServer(config, child_end)
    thread = threading.Thread(target=server.run, daemon=True)  # not the main thread: uvicorn installs no signals
    thread.start()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        for _ in range(2):  # two connections, two requests on the first (keep-alive)
            client = socket.create_connection(listener.getsockname())
            conn, _ = listener.accept()
            with conn:
                socket.send_fds(parent_end, [b"c"], [conn.fileno()])
            client.settimeout(30)
            for _ in range(2):
                client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while not answer.endswith(BODY):
                    chunk = client.recv(4096)
                    assert chunk, answer
                    answer += chunk
                assert answer.startswith(b"HTTP/1.1 200 ")
            client.close()
    parent_end.close()  # the parent is gone: the worker shuts down on its own
    thread.join(timeout=60)
    assert not thread.is_alive()
