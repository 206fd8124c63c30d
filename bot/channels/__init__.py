"""The ways people reach the conversation core: Telegram and the local console chat."""
