from flask_smorest import Blueprint

blp = Blueprint("api_tenants", __name__, url_prefix="/tenants")
