"""应急预案备案 — emergency-plan filing, 《生产安全事故应急预案管理办法》.

Shared by the three parts below: `models.py` (filings, materials, returns, evaluations,
drills), `rules.py` (the statutory rules: which materials, which deadlines, which units
must file), `schemas.py` (API in/out), `demo.py` (the demo filings), `manifest.py` (what the
area brings to the app), `templates/filings/` (its pages).

- `review/` — an enterprise files its plan and the bureau reviews it (第二十六至二十八条):
  the workflow (`service.py`), the 备案证明 and 退回通知书 PDFs (`certificate.py`,
  `notice.py`), pages and API.
- `aftercare/` — what follows a filed plan: evaluations and revisions (第三十五、三十六条)
  and drills (第三十三、三十四条), their reminders, pages and API.
- `overview/` — the bureau's 备案统计: the roll-up counted in SQL, its page, API and export.
"""
