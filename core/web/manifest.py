"""The pages every user has: the 工作台 and the health probe."""
from core.house import Manifest
from core.web import health, main

MANIFEST = Manifest("web", pages=(main.bp, health.bp))
