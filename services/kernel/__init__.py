"""The portal's kernel: the one clock, the one set of rules and words, the council, paging and ids.

Imports nothing of ours but ``models`` and ``engine`` (tests/unit/test_architecture.py checks), so
every domain package under services/ can build on it.
"""
