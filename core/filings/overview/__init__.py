"""The bureau's 备案统计: counts per county, section and status, computed in SQL."""
