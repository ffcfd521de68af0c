"""The translation marker of the pure modules."""


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it); the UI translates it."""
    return message
