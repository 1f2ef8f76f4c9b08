"""The composition root: reads the configuration, opens the store and the queue, starts the
watcher, the scheduler and the local worker (:mod:`.runtime`), and hands the started runtime
to the adapters it was asked for: Discord (:mod:`.discord`) and HTTP (:mod:`.api`).

Arrows point down only: ``app`` → adapters → ``studio`` (the core) → ``data``.
"""
