"""``python -m bot …``: the documented alias of the ``imagine`` command (``app.cli``).

Only a door: the studio's core is :mod:`studio`, the composition root :mod:`app`.
"""
