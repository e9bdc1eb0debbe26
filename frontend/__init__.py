"""Jinja2 templates and static files of the microscope web pages."""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
