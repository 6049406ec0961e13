"""Errors raised by eval/. Messages are in Vietnamese: evaluators read them in the CLI."""


class DatasetError(Exception):
    """An evaluation dataset cannot be used; the message names the file, the line and the problem."""
