"""The people and organisations of a mobility as the documents name them."""

from __future__ import annotations

from typing import Any

from digcomp.credentials.statement import Party, Person
from digcomp.i18n import country_names
from digcomp.store.models import Mobility, Organisation
from digcomp.store.models import Person as StoredPerson


def party_of(organisation: Organisation, base_url: str, person: StoredPerson | None) -> Party:
    """An organisation with its reference person (the coordinator at the school, the mentor at the host); its URL is
    its public profile (published once a certificate names it)."""
    return Party(
        url=profile_url(base_url, organisation.id),
        name=organisation.name,
        country_code=organisation.country,
        country=country_names(organisation.country),
        address=organisation.address,
        reference_person=f"{person.given_name} {person.family_name}" if person else organisation.contact_name,
        reference_title=person.job_title if person else "",
        contact_email=organisation.contact_email,
        contact_phone=organisation.contact_phone,
    )


def profile_url(base_url: str, organisation_id: int) -> str:
    return f"{base_url}/api/v1/organisations/{organisation_id}/profile"


def person_of(person: StoredPerson) -> Person:
    return Person(given_name=person.given_name, family_name=person.family_name, title=person.job_title)


def placement_of(mobility: Mobility) -> dict[str, str]:
    """Where and when the mobility took place, as a verification answer shows it."""
    return {
        "host": mobility.host_organisation.name,
        "host_country": mobility.host_organisation.country,
        "start_date": mobility.start_date.isoformat(),
        "end_date": mobility.end_date.isoformat(),
    }


def register_parties(mobility: Mobility) -> dict[str, Any]:
    """Who holds and who issued a document of the mobility, and where it took place, as the register shows them."""
    return {
        "holder": f"{mobility.learner.given_name} {mobility.learner.family_name}",
        "holder_erased": mobility.learner.erased_at is not None,
        "issuer": mobility.sending_organisation.name,
        "placement": placement_of(mobility),
    }
