"""People and roles: login, users and API tokens."""
from core.auth import api, views
from core.auth.models import ApiToken
from core.house import Manifest, named_by

MANIFEST = Manifest(
    "auth",
    pages=(views.bp, views.users_bp),
    api=(api.tokens_blp, api.blp),
    object_names={"api_token": named_by(ApiToken.id, ApiToken.name)},
)
