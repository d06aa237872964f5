"""Children and young people: finding, adding and editing them; links, codes, colleagues."""
