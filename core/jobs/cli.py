import click


@click.command("worker")
def worker() -> None:
    """Start an rq worker."""


@click.command("sweep")
def sweep() -> None:
    """Run periodic checks once."""
