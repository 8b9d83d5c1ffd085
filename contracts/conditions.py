"""Where a letter's general conditions start, shared by the documents and the signature rooms.

documents/conditions.py marks the conditions' first page with this bookmark, which
LibreOffice exports as a PDF named destination; esignature/places.py places the signature
boxes only on the pages before it (the letter's own).
"""

CONDITIONS_DESTINATION = "SceauConditionsGenerales"
