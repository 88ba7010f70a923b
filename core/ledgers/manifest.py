"""台账: for now the ledger template kind plugins ship; the ledgers follow."""
from core.house import Manifest
from core.ledgers.templates import LEDGER

MANIFEST = Manifest("ledgers", template_kinds=(LEDGER,))
