"""Startup time: from process start to the main window on screen and to the first latent frame.

    python bench/startup.py [--repeat 5] [--checkpoint G.safetensors] [--frozen dist/ganstudio/ganstudio]

Runs the app from source (and the frozen bundle in dist/ganstudio/ when it is there) with
GANSTUDIO_STARTUP_TRACE set, which makes it print 'window-shown <s>' and 'first-frame <s>'
(seconds since its process started) and quit; beside them, in the same rounds, the time of
`python -c "import torch"`. Prints the median of each and the load average. Targets on a
2-core machine: window <= 1.5 s, first frame <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FROZEN = ROOT / "dist" / "ganstudio" / ("ganstudio.exe" if sys.platform == "win32" else "ganstudio")
TARGETS = {"window-shown": 1.5, "first-frame": 5.0}
EVENTS = ("window-shown", "core-loaded", "first-frame")


def time_import_torch() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, capture_output=True)
    return time.perf_counter() - start


def trace(cmd: list[str], checkpoint: str | None, timeout_s: float = 300) -> dict[str, float]:
    """One traced start of the app: {event: seconds since its process started}."""
    env = dict(os.environ, GANSTUDIO_STARTUP_TRACE=checkpoint or "1")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run(cmd + ["--self-test"], env=env, capture_output=True, text=True,
                         timeout=timeout_s, cwd=ROOT)
    times: dict[str, float] = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in EVENTS:
            times[parts[0]] = float(parts[1])
        elif parts[:2] == ["first-frame", "none"]:
            print(f"  {cmd[0]}: {line}", file=sys.stderr)
    if "window-shown" not in times:
        tail = (out.stdout + out.stderr).strip().splitlines()[-3:]
        raise SystemExit(f"{' '.join(cmd)} printed no startup trace (exit status {out.returncode}): "
                         + " | ".join(tail))
    return times


def load() -> str:
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "load average unknown"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--checkpoint", help="a generator to open when the app ships none")
    p.add_argument("--frozen", type=Path, default=DEFAULT_FROZEN, help="the bundle's executable")
    a = p.parse_args()
    variants = {"source": [sys.executable, "-m", "ganstudio"]}
    if a.frozen.is_file():
        variants["frozen"] = [str(a.frozen)]
    else:
        print(f"No bundle at {a.frozen}: timing the source only (build it with packaging/build.py).")
    print(f"{os.cpu_count()} CPUs, {load()} at the start; {a.repeat} rounds")
    results: dict[str, dict[str, list[float]]] = {v: {e: [] for e in EVENTS} for v in variants}
    torch_times: list[float] = []
    for round_ in range(a.repeat):
        torch_times.append(time_import_torch())
        for name, cmd in variants.items():
            for event, seconds in trace(cmd, a.checkpoint).items():
                results[name][event].append(seconds)
        print(f"  round {round_ + 1}: import torch {torch_times[-1]:.2f} s; " + "; ".join(
            f"{n} " + ", ".join(f"{e} {r[e][-1]:.2f}" for e in EVENTS if len(r[e]) > round_)
            for n, r in results.items()))
    print(f"\nMedians ({load()} at the end):")
    print(f"  python -c 'import torch'   {statistics.median(torch_times):5.2f} s")
    for name, r in results.items():
        for event in EVENTS:
            if r[event]:
                target = TARGETS.get(event)
                goal = f"   (target <= {target} s)" if target else ""
                print(f"  {name:7s} {event:18s} {statistics.median(r[event]):5.2f} s{goal}")
            else:
                print(f"  {name:7s} {event:18s}   —   (no frame: no generator to show?)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
