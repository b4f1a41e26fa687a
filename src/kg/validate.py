"""Placeholder: being written in this session (kg validate)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg validate is not written yet")
