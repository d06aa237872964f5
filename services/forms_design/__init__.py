"""Forms as versioned data (issue 17): the live registry (files + database), the store the
designer and the ``flask forms`` commands use, and the plain diff shown after Publish."""
