"""Document production: letter rendering (docxtpl), template checks, LibreOffice to PDF/A."""
