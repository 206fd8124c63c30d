"""careerbot: a career-growth advisor for Telegram and the console."""
