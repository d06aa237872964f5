"""Find Address: a postcode lookup behind a pluggable provider (Coventry's Work Details).

``PORTAL_ADDRESS_LOOKUP`` chooses the provider: unset or ``none`` (the default) turns the lookup
off and people type the address; ``os-places`` (Ordnance Survey's OS Places API, postcode
search) or ``ideal-postcodes`` (Ideal Postcodes' postcode lookup) turn it on with the key in
``PORTAL_ADDRESS_LOOKUP_KEY``. ``PORTAL_ADDRESS_LOOKUP_URL`` replaces the provider's address
(a proxy, or the tests' stub server). No request objects here: the views pass a postcode in and
get addresses, or a sentence saying why not, back.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass

from services.kernel import checks

TIMEOUT_SECONDS = 5
MAX_RESULTS = 100


@dataclass(frozen=True)
class Address:
    """One address in the Work Details fields' terms."""
    id: str
    house_number: str = ""
    house_name: str = ""
    building_name: str = ""
    street: str = ""
    district: str = ""
    town: str = ""
    postcode: str = ""

    @property
    def label(self) -> str:
        """One line for a list to choose from: "Council House, 1 Earl Street, Coventry, CV1 5RR"."""
        first = " ".join(p for p in (self.house_number, self.street) if p)
        parts = (self.building_name, self.house_name, first, self.district, self.town, self.postcode)
        return ", ".join(p for p in parts if p)

    def fields(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "id"}


class LookupFailed(Exception):
    """The provider did not answer usefully; the message is for the user."""


def _get_json(url: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read(2_000_000) or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read(100_000) or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError) as error:
        raise LookupFailed("We could not look up addresses just now") from error


def _text(value) -> str:
    return " ".join(str(value or "").split()).title() if value else ""


def _os_places(postcode: str, key: str, base: str) -> list[Address]:
    """OS Places API: GET /search/places/v1/postcode?postcode=..&key=.. -> results[].DPA."""
    query = urllib.parse.urlencode({"postcode": postcode, "key": key, "dataset": "DPA",
                                    "maxresults": MAX_RESULTS})
    status, body = _get_json(f"{base or 'https://api.os.uk'}/search/places/v1/postcode?{query}")
    if status == 400 or (status == 200 and not body.get("results")):
        return []
    if status != 200:
        raise LookupFailed("We could not look up addresses just now")
    found = []
    for item in body["results"]:
        d = item.get("DPA") or {}
        building = ", ".join(p for p in (_text(d.get("SUB_BUILDING_NAME")),
                                         _text(d.get("ORGANISATION_NAME"))) if p)
        found.append(Address(
            id=str(d.get("UDPRN") or d.get("UPRN") or len(found)),
            house_number=str(d.get("BUILDING_NUMBER") or ""), house_name=_text(d.get("BUILDING_NAME")),
            building_name=building,
            street=_text(d.get("DEPENDENT_THOROUGHFARE_NAME") or d.get("THOROUGHFARE_NAME")),
            district=_text(d.get("DEPENDENT_LOCALITY")), town=_text(d.get("POST_TOWN")),
            postcode=d.get("POSTCODE") or postcode))
    return found


def _ideal_postcodes(postcode: str, key: str, base: str) -> list[Address]:
    """Ideal Postcodes: GET /v1/postcodes/<postcode>?api_key=.. -> result[] (404 = none)."""
    query = urllib.parse.urlencode({"api_key": key})
    path = urllib.parse.quote(postcode.replace(" ", ""))
    status, body = _get_json(f"{base or 'https://api.ideal-postcodes.co.uk'}/v1/postcodes/{path}?{query}")
    if status == 404:
        return []
    if status != 200 or not isinstance(body.get("result"), list):
        raise LookupFailed("We could not look up addresses just now")
    return [Address(
        id=str(a.get("udprn") or a.get("uprn") or i),
        house_number=str(a.get("building_number") or ""), house_name=a.get("building_name") or "",
        building_name=", ".join(p for p in (a.get("sub_building_name"), a.get("organisation_name"))
                                if p),
        street=a.get("thoroughfare") or a.get("dependant_thoroughfare") or "",
        district=a.get("dependant_locality") or "", town=_text(a.get("post_town")),
        postcode=a.get("postcode") or postcode) for i, a in enumerate(body["result"])]


PROVIDERS = {"os-places": _os_places, "ideal-postcodes": _ideal_postcodes}


def provider(config) -> str | None:
    """The configured provider's name, or None when Find Address is off."""
    name = (config.get("ADDRESS_LOOKUP") or "none").strip().lower()
    return name if name in PROVIDERS else None


def find(config, postcode: str) -> list[Address]:
    """The addresses at ``postcode`` (a UK postcode; checked here), sorted as the provider gives
    them. Raises LookupFailed with a sentence for the user when the postcode is not real or the
    provider fails."""
    name = provider(config)
    if name is None:
        raise LookupFailed("Finding an address is not available. Enter the address below")
    clean = checks.normalise_postcode(postcode or "")
    if clean is None:
        raise LookupFailed("Enter a real postcode, like CV1 5RR")
    return PROVIDERS[name](clean, config.get("ADDRESS_LOOKUP_KEY", ""),
                           (config.get("ADDRESS_LOOKUP_URL") or "").rstrip("/"))[:MAX_RESULTS]


def chosen(config, postcode: str, address_id: str) -> Address | None:
    """The address ``address_id`` among those at ``postcode`` (looked up again: the browser only
    sends the id, so nothing it sends is written into the fields)."""
    return next((a for a in find(config, postcode) if a.id == address_id), None)
