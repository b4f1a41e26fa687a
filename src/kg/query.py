"""Placeholder: being written in this session (kg query)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg query is not written yet")
