"""The channel-free conversation: a message or button press in, replies out.

Nothing here imports ``telegram``; the channels in ``bot.channels`` translate to and from it.
"""

from bot.conversation.core import Conversation
from bot.conversation.messages import Button, Incoming, Reply, Sender

__all__ = ["Button", "Conversation", "Incoming", "Reply", "Sender"]
