"""Placeholder blueprint: filled in by the work on this module."""

from flask import Blueprint

bp = Blueprint("entities", __name__)
