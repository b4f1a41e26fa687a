"""Placeholder: being written in this session (kg dump)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg dump is not written yet")
