"""yq — an executable public-opinion (舆情) response plan."""

__version__ = "0.1.0"
