from flask_smorest import Blueprint

blp = Blueprint("api_jobs", __name__, url_prefix="/jobs")
