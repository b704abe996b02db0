"""``python -m rasd``: the same command line as the ``rasd`` script."""

from rasd.cli import app

app()
