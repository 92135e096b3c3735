"""All printing: Rich views for the terminal, and JSON, Markdown and CSV.

Services return data; only this package turns it into text.
"""
