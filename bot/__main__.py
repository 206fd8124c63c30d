"""``python -m bot``: the same command line as ``careerbot``."""

if __name__ == "__main__":  # not when a spawned helper process imports it as __mp_main__
    from bot.cli import main

    raise SystemExit(main())
