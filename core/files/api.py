from flask_smorest import Blueprint

blp = Blueprint("api_files", __name__, url_prefix="/files")
