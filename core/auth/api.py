from flask_smorest import Blueprint

blp = Blueprint("api_users", __name__, url_prefix="/users")
tokens_blp = Blueprint("api_tokens", __name__, url_prefix="/tokens")
