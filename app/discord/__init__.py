"""The Discord adapter: everything that knows Discord, next to the cogs that use it.

The client (:mod:`.client`), how answers get there (:mod:`.delivery`, :mod:`.recovery`),
how they look (:mod:`.render`, :mod:`.pages`), the buttons (:mod:`.buttons`, one
DynamicItem class per button, with ids from :mod:`.custom_ids`), the gallery posts
(:mod:`.gallery_posts`), who asks and from where (:mod:`.people`), and Discord's words
for the studio's coded errors (:mod:`.errors`). The use-cases in ``bot/`` (the rate limit
too: the Images API counts against the same one) never import this package.

``import discord`` in these modules is absolute, so it finds discord.py, not this package.
"""
