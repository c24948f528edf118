"""``python -m slacalc``: the same as the ``slacalc`` command."""

from .cli import main

raise SystemExit(main())
