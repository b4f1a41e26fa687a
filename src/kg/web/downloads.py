"""Placeholder blueprint: filled in by the work on this module."""

from flask import Blueprint

bp = Blueprint("downloads", __name__)
