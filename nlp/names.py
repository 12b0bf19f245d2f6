"""Company-name normalisation for the gazetteer and the linker.

The catalogue's own functions (catalog/names.py, with every legal form in org_types.yml), so that a
name in companies.csv and its mention in the news normalise the same way.
"""
from catalog.names import normalise, short_name

__all__ = ["normalise", "short_name"]
