"""Python's cyclic garbage collector in a sparkwright process. Importing langchain, langgraph, the provider SDK and
sqlalchemy makes about a million long-lived objects; every full collection walks them all, collecting nothing:
~0.2 s of collections before a job's first model request and ~0.4 s at exit, measured. So a command starts with
the collector off (`hold`), and what is alive once it is ready to work (modules, settings, clients) is set aside
for good (`settle`): the collector then walks only what the work makes. At exit the whole heap is set aside
(`leave`), so the interpreter does not walk it once more on the way out."""

from __future__ import annotations

import gc

_set_aside = False


def hold() -> None:
    """At a command's start: no collections while it imports and sets up."""
    gc.disable()


def settle() -> None:
    """Before long work (a job, a server, a worker): what lives now lives on; collect what comes after. Every
    long-running command calls this, or its process would never collect a cycle. The heap is set aside once per
    process: later, a worker's earlier job may have left garbage that only the collector can free."""
    global _set_aside
    if not _set_aside:
        gc.freeze()
        _set_aside = True
    gc.enable()


def leave() -> None:
    """At exit: everything set aside, what the work made included (a provider's package imported beside the job's
    start, say), so the interpreter's last collection has nothing to walk."""
    gc.freeze()
