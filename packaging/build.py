"""Build the PyInstaller bundle into dist/ganstudio/ and run its self-test.

    python packaging/build.py                 build, smoke-test, print the size
    python packaging/build.py --no-smoke      build only
    python packaging/build.py --smoke-only    test the bundle already in dist/
    python packaging/build.py --with-triton   keep triton in the bundle (about 0.9 GB more)

Exits 0 when the bundle was built and its self-test passed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "ganstudio.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build"
BUNDLE = DIST / "ganstudio"
SHIPPED_GENERATOR = ROOT / "resources" / "models" / "default_generator.safetensors"
SMOKE_TIMEOUT_S = 900


def executable(bundle: Path = BUNDLE) -> Path:
    return bundle / ("ganstudio.exe" if sys.platform == "win32" else "ganstudio")


def folder_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            f = Path(dirpath) / name
            if not f.is_symlink():
                total += f.stat().st_size
    return total


def size_report(bundle: Path = BUNDLE, top: int = 8) -> str:
    """The bundle's size and its largest top-level parts."""
    internal = bundle / "_internal"
    parts: dict[str, int] = {}
    for child in internal.iterdir() if internal.is_dir() else []:
        if child.is_dir() and not child.is_symlink():
            parts[child.name] = folder_size(child)
        elif child.is_file() and not child.is_symlink():
            parts["(libraries at the top)"] = parts.get("(libraries at the top)", 0) + child.stat().st_size
    largest = sorted(parts.items(), key=lambda kv: -kv[1])[:top]
    lines = [f"Bundle: {bundle} — {folder_size(bundle) / 1e9:.2f} GB"]
    lines += [f"  {size / 1e6:8.0f} MB  {name}" for name, size in largest]
    return "\n".join(lines)


def build(with_triton: bool) -> int:
    env = dict(os.environ)
    env["GANSTUDIO_BUNDLE_TRITON"] = "1" if with_triton else "0"
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)]
    print(f"Building the bundle ({'with' if with_triton else 'without'} triton)…", flush=True)
    start = time.perf_counter()
    try:
        code = subprocess.call(cmd, cwd=ROOT, env=env)
    except FileNotFoundError:
        code = 127
    if code != 0:
        print(f"The build failed (PyInstaller exit status {code}). Is PyInstaller installed? "
              "pip install -e '.[packaging]'", file=sys.stderr)
        return 1
    print(f"Built in {time.perf_counter() - start:.0f} s.", flush=True)
    return 0


def smoke_test(bundle: Path = BUNDLE) -> int:
    exe = executable(bundle)
    if not exe.is_file():
        print(f"No bundle to test: {exe} does not exist. Build it first.", file=sys.stderr)
        return 1
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    print(f"Running {exe} --self-test", flush=True)
    try:
        code = subprocess.call([str(exe), "--self-test"], env=env, timeout=SMOKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print(f"The bundle's self-test did not finish within {SMOKE_TIMEOUT_S} s.", file=sys.stderr)
        return 1
    if code != 0:
        print(f"The bundle's self-test failed (exit status {code}).", file=sys.stderr)
        return 1
    print("The bundle's self-test passed.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--no-smoke", action="store_true", help="build only")
    p.add_argument("--smoke-only", action="store_true", help="test the bundle already in dist/")
    p.add_argument("--with-triton", action="store_true", help="keep triton in the bundle")
    a = p.parse_args(argv)
    if not (a.no_smoke or a.smoke_only) and not SHIPPED_GENERATOR.is_file():
        print(f"The shipped generator {SHIPPED_GENERATOR.relative_to(ROOT)} is missing, so the "
              "bundle's self-test would fail. Put it there first (or build with --no-smoke).",
              file=sys.stderr)
        return 1
    if not a.smoke_only and build(a.with_triton) != 0:
        return 1
    if not executable().is_file():
        print(f"No bundle at {BUNDLE}.", file=sys.stderr)
        return 1
    code = 0 if a.no_smoke else smoke_test()
    print(size_report(), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
