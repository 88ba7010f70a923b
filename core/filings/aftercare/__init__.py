"""After filing: evaluations, revisions and drills, with their reminders (第三十三至三十六条)."""
