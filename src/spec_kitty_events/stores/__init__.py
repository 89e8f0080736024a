"""Durable adapters for the storage interfaces of :mod:`spec_kitty_events.storage`.

* :mod:`spec_kitty_events.stores.sqlite` -- one SQLite file (standard library, WAL mode).
* :mod:`spec_kitty_events.stores.postgres` -- a PostgreSQL database, for many concurrent
  writers; needs the ``postgres`` extra (``pip install 'spec-kitty-events[postgres]'``).

Nothing is imported here, so importing this package never needs the optional driver.
Both adapters differ from the in-memory ones in two deliberate ways, described in
``docs/stores.md``: saving an ``event_id`` again with *different* content raises
:class:`~spec_kitty_events.models.StorageError` instead of replacing the stored event, and a
saved clock value never moves a node's clock backwards.
"""
