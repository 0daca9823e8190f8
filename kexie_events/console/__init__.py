"""The organisers' console (issue 15): accounts, sessions and CSRF here; pages build on them.

- :mod:`.root`: the folder served: one event folder or a folder of them, event ids, language.
- :mod:`.accounts`: organisers, one-time login links, sessions (``ROOT/console.db``).
- :mod:`.auth`: the login and logout routes and the middleware that checks every request
  under ``/console/`` (session, CSRF, the events an organiser may see).
- :mod:`.commands`: ``kexie organizers add|link|revoke|list``.

Importing this package imports nothing heavy: ``kexie --help`` stays fast.
"""
