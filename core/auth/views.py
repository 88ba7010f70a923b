from flask import Blueprint

bp = Blueprint("auth", __name__)
users_bp = Blueprint("users", __name__)
