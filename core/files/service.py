def init_files(app) -> None:  # noqa: ANN001
    pass
