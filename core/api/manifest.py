"""The API's own pieces: who is calling, and the page showing the OpenAPI document."""
from core.api import docs, me
from core.house import Manifest

MANIFEST = Manifest("api", pages=(docs.bp,), api=(me.blp,))
