def ensure_seeded(ctx) -> int:  # noqa: ANN001
    return 0
