from flask_smorest import Blueprint

blp = Blueprint("api_me", __name__, url_prefix="")
