from flask import Blueprint

bp = Blueprint("api_docs_page", __name__)
