"""The presentation layer: fonts, palettes, zh/en labels and the printed products (the PDF packet
and its map, the leadership briefing). ``layers/`` and ``riskmodel/`` produce data; this draws it."""
