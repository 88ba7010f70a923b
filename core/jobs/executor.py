def init_executor(app) -> None:  # noqa: ANN001
    pass


def queue_status(app) -> str:  # noqa: ANN001
    return "inline"
