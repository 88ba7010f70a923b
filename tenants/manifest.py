"""Tenants: bureaus, their sections and the enterprises they supervise."""
from core.house import Manifest, named_by
from tenants import api, views
from tenants.models import Section, Tenant

MANIFEST = Manifest(
    "tenants",
    pages=(views.bp,),
    api=(api.blp,),
    object_names={"tenant": named_by(Tenant.id, Tenant.name), "section": named_by(Section.id, Section.name)},
)
