"""Where `ganstudio`, `python -m ganstudio` and the packaged app start.

The command line is imported inside :func:`main`, so that a Ctrl-C at any moment, even while
it is still being imported, ends in one line and exit 130 rather than a traceback (once a
command runs, `ganstudio.cli` handles Ctrl-C itself).
"""

import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT, as shells report it (ganstudio.cli.INTERRUPTED)


def main() -> int:
    try:
        import multiprocessing

        multiprocessing.freeze_support()  # a packaged app's worker processes start here too
        from ganstudio.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:  # before the command line took Ctrl-C over, or after it handed it back
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("ganstudio: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
