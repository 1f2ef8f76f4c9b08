"""``python -m bot …`` runs the same command line as ``imagine …`` and ``python -m app …``."""

from app.cli import main

raise SystemExit(main())
