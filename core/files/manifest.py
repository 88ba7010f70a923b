"""Stored files: uploads, generated documents and their downloads."""
from core.files import api, views
from core.files.models import StoredFile
from core.house import Manifest, named_by

MANIFEST = Manifest("files", pages=(views.bp,), api=(api.blp,),
                    object_names={"file": named_by(StoredFile.id, StoredFile.original_name)})
