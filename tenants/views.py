from flask import Blueprint

bp = Blueprint("tenants", __name__)
