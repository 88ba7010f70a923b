"""An enterprise files its plan; the bureau receives, accepts or returns it (第二十六至二十八条)."""
