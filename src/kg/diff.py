"""Placeholder: being written in this session (kg diff)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg diff is not written yet")
