from services import limits


def test_limit_counts_per_window(app):
    with app.app_context():
        assert all(limits.hit("k", 3, 60, now=1000) for _ in range(3))
        assert not limits.hit("k", 3, 60, now=1001)
        assert limits.hit("k", 3, 60, now=1080)  # next window
        assert limits.hit("other", 1, 60, now=1001)
