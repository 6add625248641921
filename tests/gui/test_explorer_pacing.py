"""The render worker's pacing (gui.explorer.pacing), driven by a simulated clock: a slider
sends a new value every 33 ms while frames take their time, block by block."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ganstudio.gui.explorer.pacing import FramePacer


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Drag:
    """Requests every ``interval`` s for ``duration`` s; a worker renders the newest, each
    frame ``blocks`` steps of ``frame_s / blocks``, asking the pacer between steps."""

    frame_s: float
    blocks: int = 5
    interval: float = 1 / 30
    duration: float = 2.0
    shown: list[tuple[float, int]] = field(default_factory=list)  # (time, request index)
    abandoned: int = 0

    def newest(self, t: float) -> int:
        return min(int(t / self.interval + 1e-9), int(self.duration / self.interval))

    def run(self, pacer: FramePacer, clock: Clock) -> None:
        last = int(self.duration / self.interval)
        taken = -1
        while taken < last:
            wanted = self.newest(clock.t)
            if wanted == taken:  # idle until the next value
                clock.t = (taken + 1) * self.interval
                continue
            taken = wanted
            pacer.started("frame")
            given_up = False
            for block in range(self.blocks):
                if block and self.newest(clock.t) > taken and pacer.should_abandon("frame"):
                    given_up = True
                    break
                clock.t += self.frame_s / self.blocks
            if given_up:
                self.abandoned += 1
                continue
            pacer.finished()
            if pacer.should_show("frame" if self.newest(clock.t) > taken else None):
                self.shown.append((clock.t, taken))
                pacer.shown()

    def longest_gap(self) -> float:
        times = [0.0] + [t for t, _ in self.shown]
        return max(b - a for a, b in zip(times, times[1:], strict=False))


class AlwaysNewest(FramePacer):
    """The old rule: a newer request always wins over the frame in progress."""

    def should_abandon(self, newer: str | None) -> bool:
        return newer is not None


@pytest.mark.parametrize("frame_s", [0.01, 0.04, 0.05, 0.07])
def test_a_continuous_drag_keeps_painting_and_ends_on_its_last_value(frame_s):
    clock = Clock()
    drag = Drag(frame_s)
    drag.run(FramePacer(clock=clock), clock)
    assert drag.shown[-1][1] == drag.newest(drag.duration)  # the release's value is shown
    # Frames that fit the interval are all shown; slower ones still keep the image moving.
    assert drag.longest_gap() <= 0.1 + 1e-9
    assert len(drag.shown) >= drag.duration / max(0.1, frame_s) - 1


def test_the_old_rule_starves_the_same_drag():
    clock = Clock()
    drag = Drag(0.05)  # a frame is longer than the interval: each new value abandons it
    drag.run(AlwaysNewest(clock=clock), clock)
    assert drag.abandoned > 50
    assert len(drag.shown) == 1  # only once the drag has stopped


def test_frames_slower_than_the_grace_are_finished_not_abandoned():
    clock = Clock()
    drag = Drag(0.15)
    drag.run(FramePacer(clock=clock), clock)
    assert drag.abandoned == 0
    gaps = [b - a for (a, _), (b, _) in zip(drag.shown, drag.shown[1:], strict=False)]
    assert max(gaps) == pytest.approx(0.15)


def test_a_long_frame_gives_way_to_a_quick_one_waiting():
    clock = Clock()
    pacer = FramePacer(clock=clock)
    for kind, seconds in (("full", 2.0), ("preview", 0.03)):
        pacer.started(kind)
        clock.t += seconds
        pacer.finished()
        pacer.shown()
    clock.t += 1.0  # nothing shown for a second: a frame in progress is normally finished
    pacer.started("full")
    clock.t += 0.2
    assert pacer.should_abandon("preview")  # the preview is on screen 1.8 s sooner
    assert not pacer.should_abandon("full")  # another full frame would only start over
    assert not pacer.should_abandon(None)


def test_a_finished_frame_is_dropped_only_when_the_next_comes_within_the_grace():
    clock = Clock()
    pacer = FramePacer(grace_s=0.08, clock=clock)
    pacer.started("z")
    clock.t += 0.01
    pacer.finished()
    assert pacer.should_show("z")  # nothing was ever shown
    pacer.shown()
    clock.t += 0.02
    assert not pacer.should_show("z")  # the newer one follows 10 ms later
    assert pacer.should_show(None)
    clock.t += 0.1
    assert pacer.should_show("z")  # 120 ms without a frame: this one goes up
