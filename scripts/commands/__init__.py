"""One module per payctl command; each is a thin layer over the library in scripts/."""

from __future__ import annotations

from scripts.commands.bootstrap import bootstrap
from scripts.commands.build import build
from scripts.commands.demo import demo
from scripts.commands.deploy import deploy
from scripts.commands.destroy import destroy
from scripts.commands.diagram import diagram
from scripts.commands.drift import drift
from scripts.commands.emulator import emulator
from scripts.commands.manifest import manifest
from scripts.commands.package import package
from scripts.commands.plan import plan
from scripts.commands.purge import purge
from scripts.commands.status import status

COMMANDS = (build, package, bootstrap, plan, deploy, status, drift, manifest, destroy,
            purge, emulator, demo, diagram)
