"""publish's version, in one place: the package, the CLI's --version and pyproject.toml read it here."""

__version__ = "0.1.0"
