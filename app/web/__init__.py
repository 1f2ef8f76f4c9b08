"""The web adapter: DALL·E 2's editor and a server's gallery as plain web pages.

Served by the HTTP adapter's aiohttp server (``make run`` serves it beside the Images
API; no other process). The pages are static HTML, CSS and JavaScript shipped with the
package (no build step, nothing fetched from elsewhere, a strict Content-Security-Policy);
the handlers are thin like the cogs: read a signed link (:mod:`studio.edit_links`),
call the same use-cases as Discord, word the answer.
"""
