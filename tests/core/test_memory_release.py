"""``core.memory``: what a run does between batches to give memory back, and what it skips."""

from __future__ import annotations

import gc
import weakref

from customs_etl.core.memory import long_lived_objects_frozen, release_memory


class _Node:
    """A cycle's member, watched through a weak reference (only the collector frees it)."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_the_batches_cycles_are_collected_and_the_older_objects_wait_for_the_end() -> None:
    gc.collect()
    older = _cycle()  # made before the run: frozen with the imports
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > 0
        made = _cycle()  # a batch's garbage
        release_memory()
        assert made() is None  # collected between batches
        assert older() is not None  # not walked while frozen (what saves the time)
    assert gc.get_freeze_count() == 0  # nothing stays out of later collections
    gc.collect()
    assert older() is None


def test_an_error_in_the_run_unfreezes_too() -> None:
    try:
        with long_lived_objects_frozen():
            raise RuntimeError("a failed batch")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
