"""``python -m bot``: the same command line as ``careerbot``."""

from bot.cli import main

raise SystemExit(main())
