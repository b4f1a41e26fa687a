"""Placeholder: being written in this session (kg link)."""

from .errors import KgError


def add_arguments(parser):
    pass


def command(args, config):
    raise KgError("kg link is not written yet")
