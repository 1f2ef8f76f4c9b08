"""The HTTP adapter: OpenAI's Images API over the studio's use-cases (see api/app.py)."""
