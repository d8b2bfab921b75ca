"""One module per payctl command; each is a thin layer over `scripts.actions`."""

from __future__ import annotations

from scripts.cli.commands.bootstrap import bootstrap
from scripts.cli.commands.build import build
from scripts.cli.commands.demo import demo
from scripts.cli.commands.deploy import deploy
from scripts.cli.commands.destroy import destroy
from scripts.cli.commands.diagram import diagram
from scripts.cli.commands.drift import drift
from scripts.cli.commands.emulator import emulator
from scripts.cli.commands.manifest import manifest
from scripts.cli.commands.package import package
from scripts.cli.commands.plan import plan
from scripts.cli.commands.purge import purge
from scripts.cli.commands.report import report
from scripts.cli.commands.status import status

COMMANDS = (build, package, bootstrap, plan, deploy, report, status, drift, manifest, destroy,
            purge, emulator, demo, diagram)
