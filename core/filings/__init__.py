"""Emergency-plan filing (应急预案备案): the statutory rules (rules.py), the filing workflow
(service.py), its JSON API (api.py) and the deadline sweep (jobs.py)."""
