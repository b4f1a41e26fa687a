"""Placeholder: being written in this session (kg serve)."""

from ..errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg serve is not written yet")
