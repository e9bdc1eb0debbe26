"""Every page declared with its JSON twin (`app.web.page.Page`), in the order their paths must match: `app.main`
includes the pages, `app.api` the twins. A new resource page is one declaration in its package and one line here."""

from __future__ import annotations

from app.experiments import pages as experiments
from app.findings import pages as findings
from app.web.page import Page

PAGES: tuple[Page, ...] = (findings.PAGE, experiments.LIST, experiments.ONE)
