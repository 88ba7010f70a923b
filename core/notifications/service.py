def unread_count(ctx) -> int:  # noqa: ANN001
    return 0
