"""`rapport import-partners FILE.csv` (filled in by the import work)."""

import click
from flask.cli import with_appcontext


@click.command("import-partners")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_partners_command(path: str) -> None:
    """Import a recruitment list (stub)."""
    raise click.ClickException("not implemented yet")
