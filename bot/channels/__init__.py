"""The ways people reach the conversation core: Telegram and the local console chat.

python-telegram-bot 22 announces that durations such as ``RetryAfter.retry_after`` become
``datetime.timedelta`` in its next major version; the bot opts in now (its documented
switch), so the deprecation is settled here rather than warned about on every 429.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")
