"""The errors a person can act on.

Every failure the app or the command line shows to a person derives from `UserError`: its
`str()` is one sentence that names the file or setting and says what to do. The GUI shows it
in one dialog line and the CLI prints it and exits 2; any other exception is a bug and keeps
its traceback. Callers classify by type (`isinstance(e, UserError)`), never by class name.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure explained in one sentence for the person who caused or can fix it."""


class CheckpointError(UserError, RuntimeError):
    """A model file that cannot be read or written; the message says which file and what to do."""



class Cancelled(Exception):
    """Work stopped because someone asked it to: an outcome, not a failure.

    Long computations raise a subclass when their ``should_stop`` says so; the app's job
    runner reports it as cancelled and shows no error.
    """


class Interrupted(Cancelled, RuntimeError):
    """A frame was abandoned between two of its blocks or layers because a newer one is wanted
    (``should_stop`` of :func:`ganstudio.core.generate.generate` said so)."""
