"""The translation marker of the pure modules."""


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it); the UI translates it."""
    return message


def translated(message: str, params: dict, gettext) -> str:
    """A message marked with gettext_noop (an English template), in the language of
    ``gettext``, filled with ``params``."""
    return gettext(message) % params if params else gettext(message)
