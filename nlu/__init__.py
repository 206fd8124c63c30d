"""careerbot's language understanding: intents and entities from a spaCy pipeline built here."""
