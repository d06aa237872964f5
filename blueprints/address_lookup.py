"""Find Address on Work Details (My Account): what its buttons do to a WorkForm post.

Only the buttons' part: the rule (providers, postcode, choosing) lives in services/addresses.
Every other answer on the form stays as posted, whichever button was pressed.
"""
from dataclasses import dataclass, field

from flask import current_app, request

from blueprints.fields import add_error
from services import addresses

ACTIONS = ("find-address", "use-address", "another-address")


@dataclass
class Lookup:
    """What the Find Address block shows. ``handled``: this post was one of its buttons, so the
    form is shown again rather than saved."""
    enabled: bool
    handled: bool = False
    results: list = field(default_factory=list)


def apply(form):
    """Apply a Find Address / Use this address / Use Another Address press to ``form``."""
    config = current_app.config
    lookup = Lookup(enabled=addresses.provider(config) is not None)
    action = request.form.get("address_action") if request.method == "POST" else None
    if not lookup.enabled or action not in ACTIONS:
        return lookup
    lookup.handled = True
    if action == "another-address":
        return lookup
    try:
        if action == "find-address":
            lookup.results = addresses.find(config, form.postcode.data)
            if not lookup.results:
                add_error(form.postcode, "No addresses were found for this postcode. Check it, "
                                         "or type the address below")
            return lookup
        chosen = addresses.chosen(config, form.postcode.data, request.form.get("address_id", ""))
    except addresses.LookupFailed as failed:
        add_error(form.postcode, f"{failed}. Type the address below")
        return lookup
    if chosen is None:
        add_error(form.postcode, "That address is no longer listed. Select Find Address again")
        return lookup
    for name, value in chosen.fields().items():
        getattr(form, name).data = value
    return lookup
