"""Every UI string has an English translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "core/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("core/templates/**.html", "jinja2"), ("core/**/templates/**.html", "jinja2"), ("tenants/templates/**.html", "jinja2"),
           ("core/**.py", "python"), ("tenants/**.py", "python"), ("plugins/**.py", "python")]


def ui_strings() -> set[str]:
    found = set()
    for *_, message, _comments, _ctx in extract_from_dir(str(ROOT), METHODS,
                                                          keywords={"_": None, "gettext": None, "lazy_gettext": None}):
        found.add(message if isinstance(message, str) else message[0])
    return found - {""}


def test_every_ui_string_is_translated():
    with PO.open("rb") as f:
        catalog = {m.id: m.string for m in read_po(f) if m.id}
    strings = ui_strings()
    assert len(strings) > 150  # the extractor really found the templates
    missing = sorted(s for s in strings if not catalog.get(s))
    assert not missing, f"add English for these to {PO.relative_to(ROOT)} and run `make translations`: {missing}"


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id and m.string}
    with MO.open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert po == mo, "run `make translations`"


def test_english_page(as_user):
    page = as_user("wsq_reviewer").get("/enterprises?lang=en").text
    assert "Enterprise name" in page and "Unified social credit code" in page
    assert "乌审旗宏达甲醇有限责任公司" in page  # data stays as entered
