"""Placeholder: being written in this session (kg build)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg build is not written yet")
