"""Progress of long work (server/progress.py): a bar on a terminal, plain lines elsewhere, nothing when nobody
listens, and listeners that never leak between threads."""

import io
import threading

from server.progress import listening, report, terminal_listener


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_a_pipe_gets_plain_lines():
    tty = Terminal()
    with terminal_listener(tty) as bar, listening(bar):
        for done in range(0, 101, 10):
            report(done, 100, "indexing notes")
    shown = tty.getvalue()
    assert "indexing notes" in shown and "\r" in shown and "/100 [" in shown  # a tqdm bar, cleared when done
    pipe = io.StringIO()
    with terminal_listener(pipe) as plain, listening(plain):
        for done in range(0, 101, 10):
            report(done, 100, "indexing notes")
    lines = pipe.getvalue().splitlines()
    assert lines[0] == "indexing notes: 0/100" and lines[-1] == "indexing notes: 100/100"
    assert len(lines) < 11  # throttled: not a line per report
    assert "\r" not in pipe.getvalue()


def test_reports_reach_only_the_listener_of_their_own_context():
    mine, theirs = [], []
    report(1, 2, "nobody listens")  # no listener: nothing happens

    def other_thread():
        with listening(lambda *a: theirs.append(a)):
            report(1, 1, "theirs")

    with listening(lambda *a: mine.append(a)):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        report(2, 2, "mine")
    assert mine == [(2, 2, "mine")] and theirs == [(1, 1, "theirs")]
