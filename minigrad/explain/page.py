"""The start of every self-contained HTML page minigrad writes: the stepper's page
(``frames``), the HTML deck and the reveal.js deck (``slides``)."""

#: Up to the page's title (a format string: ``{title}``, escaped by the caller); each page
#: goes on with its own style and body.
HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
"""
