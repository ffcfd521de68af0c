"""Logging filters of the platform (config/settings.py, LOGGING)."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A request refused with 403 (a role too low, a CSRF token missing) is the platform
    doing its work: its log line stays, without the traceback Django attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
