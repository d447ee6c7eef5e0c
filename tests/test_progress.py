"""Progress bars: quiet off a terminal or when asked; losses shown compactly on a terminal."""
import io
import sys

from minigan.progress import format_losses, progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class FakePipe(io.StringIO):
    def isatty(self):
        return False


def test_format_losses_is_compact():
    assert format_losses({"D": 0.693147, "G": 12345.6, "gp": 1}) == "D=0.693 G=1.23e+04 gp=1"


def test_draws_on_a_terminal_with_losses(monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    bar = progress(range(3), desc="epoch 1")
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_losses(D=0.5 + i, G=2.0)
    bar.close()
    assert seen == [0, 1, 2] and not bar.disabled
    out = term.getvalue()
    assert "epoch 1" in out and "3/3" in out and "D=2.5 G=2" in out
    assert bar.losses == {"D": 2.5, "G": 2.0}


def test_quiet_when_stderr_is_not_a_terminal(monkeypatch):
    pipe = FakePipe()
    monkeypatch.setattr(sys, "stderr", pipe)
    bar = progress(range(4), desc="epoch 1")
    assert list(bar) == [0, 1, 2, 3]
    bar.set_losses(D=1.0)
    bar.write("a message")
    bar.close()
    assert bar.disabled and pipe.getvalue() == ""
    assert bar.losses == {"D": 1.0}                      # remembered even when not drawn


def test_quiet_flag_wins_on_a_terminal(monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress(5, desc="steps", quiet=True) as bar:
        for _ in range(5):
            bar.update()
            bar.set_losses(loss=0.1)
    assert bar.disabled and term.getvalue() == ""


def test_total_counts_steps(monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress(4, desc="steps") as bar:
        assert len(bar) == 4
        bar.update(4)
    assert "4/4" in term.getvalue()
