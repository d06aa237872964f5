"""Children and young people: finding, adding and editing them, links to users, colleagues."""
